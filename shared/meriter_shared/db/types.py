"""asyncpg's pool and connection types, usable in annotations FastAPI evaluates.

asyncpg's classes are generic only in their stubs; at run time they cannot be
subscripted, so annotations that frameworks evaluate use these aliases.
"""

from typing import TYPE_CHECKING, Any

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Pool = asyncpg.Pool[Any]
    # A connection taken from a pool is a proxy with the same interface.
    Connection = asyncpg.Connection[Any] | PoolConnectionProxy[Any]
else:
    Pool = asyncpg.Pool
    Connection = asyncpg.Connection

__all__ = ["Connection", "Pool"]
