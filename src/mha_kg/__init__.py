"""mha-kg: the Midlands Health Alliance knowledge graph as linked data and SPARQL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mha-kg")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
