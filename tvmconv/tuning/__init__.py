"""Auto-tuning: the meta-schedule design space, tuning jobs, and the tuned records builds use."""

from .job import run_job, tune_layer
from .records import tuned_schedule
from .space import design_space

__all__ = ["design_space", "run_job", "tune_layer", "tuned_schedule"]
