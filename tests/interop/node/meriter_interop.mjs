// Interop harness: signs and verifies credentials with Digital Bazaar's libraries so
// Meriter's Python engine can be checked against an implementation it did not write.
// Reads one JSON batch on stdin, writes one JSON result on stdout (one process per batch
// keeps the tests fast). Nothing is fetched: contexts come from the bundled directory,
// did:web documents and status lists from the batch.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfcSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createSignCryptosuite, createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';

const batch = JSON.parse(readFileSync(0, 'utf8'));
const index = JSON.parse(readFileSync(join(batch.contextsDir, 'index.json'), 'utf8'));
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const didDocs = batch.didDocs || {};
const documents = batch.documents || {};

async function documentLoader(url) {
  if(index[url]) {
    const document = JSON.parse(readFileSync(join(batch.contextsDir, index[url].file), 'utf8'));
    return {contextUrl: null, documentUrl: url, document};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const doc = didDocs[did];
    if(!doc) {
      throw new Error(`unknown did:web ${did}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const vm = (doc.verificationMethod || []).find(m => m.id === url || m.id === `#${fragment}`);
    if(!vm) {
      throw new Error(`no verification method ${url}`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': doc['@context'], ...vm, id: url}};
  }
  if(documents[url]) {
    return {contextUrl: null, documentUrl: url, document: documents[url]};
  }
  throw new Error(`document not available offline: ${url}`);
}

function hexToBytes(hex) {
  return Uint8Array.from(hex.match(/../g).map(b => parseInt(b, 16)));
}

async function sign(job) {
  const seed = hexToBytes(job.seedHex);
  const probe = await Ed25519Multikey.generate({seed});
  const controller = job.didWeb || `did:key:${probe.publicKeyMultibase}`;
  const key = await Ed25519Multikey.generate({
    seed, controller, id: `${controller}#${probe.publicKeyMultibase}`
  });
  let suite;
  if(job.suite === 'Ed25519Signature2020') {
    // The legacy suite (VC Data Model 1.1 credentials, as many Open Badges issuers
    // and the Digital Credentials Consortium sign them).
    const legacyKey = await Ed25519VerificationKey2020.generate({
      seed, controller, id: `${controller}#${probe.publicKeyMultibase}`
    });
    suite = new Ed25519Signature2020({
      key: legacyKey, date: job.created ? new Date(job.created) : undefined
    });
  } else {
    const cryptosuite = job.suite === 'eddsa-jcs-2022' ? createSignCryptosuite() : rdfcSuite;
    suite = new DataIntegrityProof({
      signer: key.signer(), cryptosuite, date: job.created ? new Date(job.created) : undefined
    });
  }
  const credential = {...job.credential, issuer: job.credential.issuer?.id ?
    {...job.credential.issuer, id: controller} : controller};
  return vc.issue({credential, suite, documentLoader});
}

const verifySuites = [
  new DataIntegrityProof({cryptosuite: rdfcSuite}),
  new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()})
];

async function verify(job) {
  try {
    const result = await vc.verifyCredential({
      credential: job.credential,
      suite: verifySuites,
      documentLoader,
      checkStatus: job.credential.credentialStatus ? checkStatus : undefined,
      now: batch.now ? new Date(batch.now) : undefined
    });
    const errors = [];
    if(result.error) {
      errors.push(String(result.error.message || result.error));
      for(const e of result.error.errors || []) {
        errors.push(String(e.message || e));
      }
    }
    if(result.statusResult && !result.statusResult.verified) {
      errors.push('status: ' + String(result.statusResult.error?.message));
    }
    for(const r of result.statusResult?.results || []) {
      if(r.status) {
        errors.push(`status bit set for ${r.purpose}`);
      }
    }
    const statusSet = (result.statusResult?.results || []).some(r => r.status);
    return {verified: result.verified && !statusSet, errors};
  } catch(e) {
    return {verified: false, errors: [String(e.message || e)]};
  }
}

const out = {signed: [], verified: []};
for(const job of batch.sign || []) {
  out.signed.push(await sign(job));
}
for(const job of batch.verify || []) {
  out.verified.push(await verify(job));
}
process.stdout.write(JSON.stringify(out));
