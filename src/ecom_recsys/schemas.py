"""Typed schemas of the raw tables of each source.

The raw CSVs are read with every column as a string (see ``conf/base/catalog.yml``);
``data_processing`` parses each column to the type named here, so that a value
that does not parse is quarantined with a reason instead of silently becoming null.
Types: ``string``, ``int``, ``long``, ``double``, ``timestamp``.
"""

from __future__ import annotations

EVENTS = {
    "events": {
        "event_time": "timestamp",
        "event_type": "string",
        "product_id": "long",
        "category_id": "long",
        "category_code": "string",
        "brand": "string",
        "price": "double",
        "user_id": "long",
        "user_session": "string",
    }
}

SCHEMAS: dict[str, dict[str, dict[str, str]]] = {"events": EVENTS}
