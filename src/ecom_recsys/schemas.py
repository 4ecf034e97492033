"""Typed schemas of the raw tables of each source.

The raw CSVs are read with every column as a string (see
``conf/base/catalog/01_raw.yml``); ``data_processing`` parses each column to the
type named here, so that a value that does not parse is quarantined with a reason
instead of silently becoming null.
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


# The nine tables of the Olist "Brazilian E-Commerce Public Dataset"; names keep
# the originals' typos (product_name_lenght). Counts and sizes are read as
# doubles, since re-saved copies write them like 46.0.
OLIST = {
    "orders": {
        "order_id": "string",
        "customer_id": "string",
        "order_status": "string",
        "order_purchase_timestamp": "timestamp",
        "order_approved_at": "timestamp",
        "order_delivered_carrier_date": "timestamp",
        "order_delivered_customer_date": "timestamp",
        "order_estimated_delivery_date": "timestamp",
    },
    "order_items": {
        "order_id": "string",
        "order_item_id": "int",
        "product_id": "string",
        "seller_id": "string",
        "shipping_limit_date": "timestamp",
        "price": "double",
        "freight_value": "double",
    },
    "customers": {
        "customer_id": "string",
        "customer_unique_id": "string",
        "customer_zip_code_prefix": "string",
        "customer_city": "string",
        "customer_state": "string",
    },
    "sellers": {
        "seller_id": "string",
        "seller_zip_code_prefix": "string",
        "seller_city": "string",
        "seller_state": "string",
    },
    "order_reviews": {
        "review_id": "string",
        "order_id": "string",
        "review_score": "int",
        "review_comment_title": "string",
        "review_comment_message": "string",
        "review_creation_date": "timestamp",
        "review_answer_timestamp": "timestamp",
    },
    "order_payments": {
        "order_id": "string",
        "payment_sequential": "int",
        "payment_type": "string",
        "payment_installments": "int",
        "payment_value": "double",
    },
    "products": {
        "product_id": "string",
        "product_category_name": "string",
        "product_name_lenght": "double",
        "product_description_lenght": "double",
        "product_photos_qty": "double",
        "product_weight_g": "double",
        "product_length_cm": "double",
        "product_height_cm": "double",
        "product_width_cm": "double",
    },
    "category_translation": {
        "product_category_name": "string",
        "product_category_name_english": "string",
    },
    "geolocation": {
        "geolocation_zip_code_prefix": "string",
        "geolocation_lat": "double",
        "geolocation_lng": "double",
        "geolocation_city": "string",
        "geolocation_state": "string",
    },
}

# Kaggle file name of each Olist table.
OLIST_FILES = {
    "orders": "olist_orders_dataset.csv",
    "order_items": "olist_order_items_dataset.csv",
    "customers": "olist_customers_dataset.csv",
    "sellers": "olist_sellers_dataset.csv",
    "order_reviews": "olist_order_reviews_dataset.csv",
    "order_payments": "olist_order_payments_dataset.csv",
    "products": "olist_products_dataset.csv",
    "category_translation": "product_category_name_translation.csv",
    "geolocation": "olist_geolocation_dataset.csv",
}

# Any interactions file (MovieLens ratings.csv is the typical case), after its
# columns are renamed as parameters_data_processing.yml says.
INTERACTIONS = {
    "interactions": {
        "user_id": "string",
        "product_id": "string",
        "rating": "double",
        "weight": "double",
        "event_time": "timestamp",
    }
}

# Olist tables that no stage reads: generated with the demo data, as the real
# dataset ships them, but neither validated nor required, so a missing file
# never blocks a run.
UNREAD = frozenset({"geolocation"})

# The raw tables each source validates and reads.
SCHEMAS = {
    "events": EVENTS,
    "orders": {table: s for table, s in OLIST.items() if table not in UNREAD},
    "interactions": INTERACTIONS,
}
