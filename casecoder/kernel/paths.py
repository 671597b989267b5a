"""Where the shipped resources live: a checkout keeps them at the top level, a wheel inside the package."""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the casecoder package


def resource_dir(name: str) -> Path:
    """Return the folder `name` (``templates`` or ``codebook``).

    A built wheel carries the folder inside the package (hatchling force-include);
    a checkout or an editable install has it next to the package.
    """
    bundled = PACKAGE_DIR / name
    if bundled.is_dir():
        return bundled
    return PACKAGE_DIR.parent / name


def default_codebook_path() -> Path:
    return resource_dir("codebook") / "helhedsindsats.yaml"


def demo_dir() -> Path:
    return PACKAGE_DIR / "demo"
