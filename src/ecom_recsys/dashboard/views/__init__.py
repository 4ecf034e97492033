"""The dashboard's views, one module each."""
