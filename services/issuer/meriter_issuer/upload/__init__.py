"""``meriter results upload`` and ``meriter results template``: an institution's
results file, from the institution's machine to the issuer.

- ``columns``: the CSV columns (one table the template, the reader and the
  README's table follow) and how a row becomes an intake record;
- ``reading``: CSV and NDJSON records with their line numbers and the bytes
  read so far (for the progress bar and a resumed upload);
- ``progress``: the progress bar (bytes of a known total, or counters);
- ``sending``: chunks to the issuer, the resume state, the rejected rows and
  the exit status.
"""
