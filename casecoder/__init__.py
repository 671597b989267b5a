"""casecoder: qualitative case analysis. The application factory is ``casecoder.app.create_app``."""

__version__ = "0.1.0"
