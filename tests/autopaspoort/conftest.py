from tests.autopaspoort.rdw_server import rdw_server  # noqa: F401 (fixture for the RDW tests)
