"""Task model, suite loaders, the example-based form and the iterative-rounds protocol."""

from ._task import SPLITS, HiddenTest, LoadReport, Param, SplitName, Suite, Task, TaskView

__all__ = ["HiddenTest", "LoadReport", "Param", "SPLITS", "SplitName", "Suite", "Task", "TaskView"]
