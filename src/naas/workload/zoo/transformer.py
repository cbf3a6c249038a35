"""One BERT-base encoder block (Devlin et al., NAACL 2019) as GEMMs."""

from __future__ import annotations

from naas.workload.layer import Layer
from naas.workload.network import Network


def bert_base_block(seq_len: int = 128, batch: int = 1) -> Network:
    """Hidden 768, 12 heads of 64, FFN 3072. The per-head matmuls use the group dim G=heads.
    ``seq_len`` takes the place of the image resolution for this network."""
    hidden, heads, ffn = 768, 12, 3072
    head_dim = hidden // heads
    tokens = seq_len * batch
    layers = [
        Layer.gemm("query", tokens, hidden, hidden),
        Layer.gemm("key", tokens, hidden, hidden),
        Layer.gemm("value", tokens, hidden, hidden),
        Layer.gemm("attention_scores", seq_len, head_dim, seq_len, groups=heads, batch=batch),
        Layer.gemm("attention_context", seq_len, seq_len, head_dim, groups=heads, batch=batch),
        Layer.gemm("output_projection", tokens, hidden, hidden),
        Layer.gemm("ffn_up", tokens, hidden, ffn),
        Layer.gemm("ffn_down", tokens, ffn, hidden),
    ]
    return Network.from_layers("bert_base_block", layers)
