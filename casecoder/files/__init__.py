"""Files in and out, no database: reading uploads (extract), safe zip reading, CSV tables, Office writers."""
