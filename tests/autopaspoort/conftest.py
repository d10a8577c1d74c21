from tests.autopaspoort.rdw_batch_server import rdw_batch_server  # noqa: F401, E402
from tests.autopaspoort.rdw_server import rdw_server  # noqa: F401 (fixture for the RDW tests)
