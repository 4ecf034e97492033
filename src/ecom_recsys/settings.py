"""Project settings: the Spark hook, config patterns and the config loader."""

from kedro.config import OmegaConfigLoader

from ecom_recsys.hooks import NodeTimingHooks, SparkHooks
from ecom_recsys.raw_checks import RawDataHooks
from ecom_recsys.versions import VersionHooks

# Spark first (after_context_created), then the raw file checks (before the run);
# old versions of outputs are pruned after a successful run; every node's wall
# time is logged (and read by the benchmark).
HOOKS = (SparkHooks(), RawDataHooks(), VersionHooks(), NodeTimingHooks())

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {
        "spark": ["spark*", "spark*/**"],
        "parameters": ["parameters*", "parameters*/**", "**/parameters*"],
    },
    # An environment overrides single keys (e.g. only modeling.events.als.rank)
    # instead of replacing whole top-level sections.
    "merge_strategy": {"parameters": "soft", "spark": "soft"},
}
