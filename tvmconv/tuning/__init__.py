"""Auto-tuning: the meta-schedule design space, tuning jobs, and the tuned records builds use."""

from .records import tuned_schedule
from .space import best_schedule, design_space, tune

__all__ = ["best_schedule", "design_space", "tune", "tuned_schedule"]
