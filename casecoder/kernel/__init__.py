"""The kernel: error types, input rules, the key rule and resource paths — used by every layer, importing none."""
