"""Search: encodings and evolution strategies over mappings and accelerators."""
