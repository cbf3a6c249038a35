"""naas: Neural Accelerator Architecture Search (Lin, Yang and Han, DAC 2021)."""

__version__ = "0.1.0"
