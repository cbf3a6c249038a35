"""Accelerators: the template spec, technology tables, budgets and hand-designed baselines."""

from naas.arch.baselines import BASELINES, baseline
from naas.arch.budget import Budget, parse_budget
from naas.arch.io import load_accelerator, resolve_accelerator, save_accelerator
from naas.arch.spec import Accelerator, ArrayAxis, OperandBytes
from naas.arch.technology import HOROWITZ_45NM, Technology

__all__ = ["Accelerator", "ArrayAxis", "OperandBytes", "Technology", "HOROWITZ_45NM", "Budget",
           "parse_budget", "BASELINES", "baseline", "load_accelerator", "save_accelerator",
           "resolve_accelerator"]
