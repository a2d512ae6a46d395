"""footseg: real-time foot segmentation for phones, from synthetic data to .tflite.

A plain library: functions take plain arguments and return arrays or write files. The Hydra apps
in stages/ read the configuration and call in here.
"""

__version__ = "0.1.0"
