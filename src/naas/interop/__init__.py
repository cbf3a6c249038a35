"""The peer tools: exports of a design and its mappings to Timeloop and ZigZag (and runs of them
to re-score), and network imports from ONNX and PyTorch."""
