"""Read side, no Flask: one module per number. Each function runs grouped queries and returns plain data."""
