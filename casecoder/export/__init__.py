"""Files out of casecoder, no Flask: figure/data bundles with provenance."""
