"""Project settings: the hooks, config patterns and the config loader."""

from kedro.config import OmegaConfigLoader
from omegaconf.resolvers import oc

from ecom_recsys.faults import OutputFolderHooks
from ecom_recsys.hooks import NodeTimingHooks
from ecom_recsys.raw_checks import RawDataHooks
from ecom_recsys.run_lock import RunLockHooks
from ecom_recsys.spark.session import SparkHooks
from ecom_recsys.tracking import TrackingHooks
from ecom_recsys.versions import VersionHooks

# Spark first (after_context_created). Before the run (hooks registered later
# run first): the output folders are writable, the data root's lock, then the
# raw file checks, and only then the MLflow run starts (registered first, so
# a run refused by a check records nothing). Old versions of
# outputs are pruned after a successful run; every node's wall time is logged
# (and read by the benchmark).
HOOKS = (
    TrackingHooks(),
    SparkHooks(),
    RawDataHooks(),
    VersionHooks(),
    NodeTimingHooks(),
    RunLockHooks(),
    OutputFolderHooks(),
)

# kedro-mlflow's own hook is driven by TrackingHooks (which keeps a failing
# store from breaking a run), not registered by the plugin itself.
DISABLE_HOOKS_FOR_PLUGINS = ("kedro-mlflow", "kedro_mlflow")

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {
        "spark": ["spark*", "spark*/**"],
        "mlflow": ["mlflow*", "mlflow*/**"],
        "parameters": ["parameters*", "parameters*/**", "**/parameters*"],
    },
    # An environment overrides single keys (e.g. only modeling.events.als.rank)
    # instead of replacing whole top-level sections.
    "merge_strategy": {"parameters": "soft", "spark": "soft", "mlflow": "soft"},
    # ${oc.env:NAME,default} in any file (Kedro allows it only in credentials by
    # default): conf/cluster takes the master URL and data root from the
    # environment.
    "custom_resolvers": {"oc.env": oc.env},
}
