"""PyTorch modules to networks, by running them once on an example input and recording every
conv, linear, matmul and attention call with its shapes (no weights are needed or loaded).

Calls are intercepted with a TorchFunctionMode, so functional calls (torch.matmul in an
attention block, F.scaled_dot_product_attention, nn.MultiheadAttention) are caught as well
as modules; forward hooks name each call after the module it ran in."""

from __future__ import annotations

import math
from collections import Counter

from naas.errors import NaasError
from naas.workload.layer import Layer
from naas.workload.network import Network


def _torch():
    try:
        import torch
    except ImportError:
        raise NaasError("import: torch is not installed; pip install 'naas[torch]'") from None
    return torch


def from_torch(module, example_input, name: str | None = None) -> Network:
    """The network ``module`` runs on ``example_input`` (a tensor or a tuple of tensors)."""
    torch = _torch()
    F = torch.nn.functional
    recorder = _Recorder(torch)
    handles = []
    for module_name, sub in module.named_modules():
        handles.append(sub.register_forward_pre_hook(lambda m, a, n=module_name: recorder.enter(n)))
        handles.append(sub.register_forward_hook(lambda m, a, o: recorder.leave()))
    args = example_input if isinstance(example_input, tuple) else (example_input,)
    fastpath = torch.backends.mha.get_fastpath_enabled()
    # The fused inference path of nn.TransformerEncoderLayer hides its matmuls in one kernel.
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad(), recorder.mode(F):
            module.eval()(*args)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        for h in handles:
            h.remove()
    if not recorder.layers:
        raise NaasError("import: the model ran no conv, linear, matmul or attention; nothing to map")
    return Network.from_layers(name or type(module).__name__.lower(), recorder.layers)


class _Recorder:
    def __init__(self, torch):
        self.torch = torch
        self.scope: list[str] = []
        self.layers: list[Layer] = []
        self.names: Counter = Counter()

    def enter(self, name: str) -> None:
        self.scope.append(name)

    def leave(self) -> None:
        self.scope.pop()

    def label(self, kind: str) -> str:
        """The innermost module's name; a second call in the same module adds the call kind
        (and a count if that repeats too)."""
        base = next((s for s in reversed(self.scope) if s), "") or kind
        name = base if base not in self.names else f"{base}.{kind}"
        self.names[name] += 1
        return name if self.names[name] == 1 else f"{name}{self.names[name]}"

    def mode(self, F):
        recorder = self
        torch = self.torch

        class Mode(torch.overrides.TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                recorder.record(func, F, args, kwargs)
                return func(*args, **kwargs)

        return Mode()

    def record(self, func, F, args, kwargs) -> None:
        torch = self.torch
        if func is F.conv2d:
            x, w = args[0], args[1]
            stride = _pair(kwargs.get("stride", args[3] if len(args) > 3 else 1))
            padding = kwargs.get("padding", args[4] if len(args) > 4 else 0)
            dilation = _pair(kwargs.get("dilation", args[5] if len(args) > 5 else 1))
            groups = kwargs.get("groups", args[6] if len(args) > 6 else 1)
            n, c, h, wd = x.shape
            if isinstance(padding, str):
                padding = (0, 0) if padding == "valid" else ((w.shape[2] - 1) * dilation[0] // 2,
                                                              (w.shape[3] - 1) * dilation[1] // 2)
            self.layers.append(Layer.conv2d(self.label("conv"), c, w.shape[0], (h, wd), (w.shape[2], w.shape[3]),
                                            stride, _pair(padding), dilation, groups, batch=n))
        elif func is F.linear:
            x, w = args[0], args[1]
            self.layers.append(Layer.gemm(self.label("linear"), math.prod(x.shape[:-1]), w.shape[1], w.shape[0]))
        elif func in (torch.matmul, torch.bmm, torch.Tensor.matmul, torch.Tensor.__matmul__):
            self._matmul(args[0].shape, args[1].shape)
        elif func is F.scaled_dot_product_attention:
            q, k, v = args[0], args[1], args[2]
            self._attention(q.shape, k.shape, v.shape)
        elif func is F.multi_head_attention_forward:
            self._multihead(args, kwargs)

    def _matmul(self, a, b, label: str | None = None) -> None:
        a, b = list(a), list(b)
        if len(a) == 1:
            a = [1] + a
        if len(b) == 1:
            b = b + [1]
        m, k, n = a[-2], a[-1], b[-1]
        if len(b) == 2:
            self.layers.append(Layer.gemm(label or self.label("matmul"), math.prod(a[:-1]), k, n))
            return
        lead = [max(x, y) for x, y in zip([1] * (len(b) - len(a)) + a[:-2], [1] * (len(a) - len(b)) + b[:-2])]
        batch = lead[0] if len(lead) > 1 else 1
        groups = math.prod(lead[1:]) if len(lead) > 1 else math.prod(lead)
        self.layers.append(Layer.gemm(label or self.label("matmul"), m, k, n, groups=groups, batch=batch))

    def _attention(self, q, k, v) -> None:
        self._matmul(q, list(k[:-2]) + [k[-1], k[-2]], self.label("attention_scores"))
        self._matmul(list(q[:-1]) + [k[-2]], v, self.label("attention_context"))

    def _multihead(self, args, kwargs) -> None:
        query, key = args[0], args[1]
        embed, heads = args[3], args[4]
        batch_first_shape = query.shape  # (L, N, E) as nn.MultiheadAttention passes it
        length, batch = batch_first_shape[0], batch_first_shape[1] if query.dim() == 3 else 1
        source = key.shape[0]
        head_dim = embed // heads
        for proj in ("q_proj", "k_proj", "v_proj"):  # one packed in_proj, three GEMMs
            rows = length if proj == "q_proj" else source
            self.layers.append(Layer.gemm(self.label(proj), rows * batch, embed, embed))
        self.layers.append(Layer.gemm(self.label("attention_scores"), length, head_dim, source, groups=heads, batch=batch))
        self.layers.append(Layer.gemm(self.label("attention_context"), length, source, head_dim, groups=heads, batch=batch))
        self.layers.append(Layer.gemm(self.label("out_proj"), length * batch, embed, embed))


def _pair(value) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[-1])
    return int(value), int(value)


def from_torchvision(name: str, resolution: int = 224, batch: int = 1) -> Network:
    """A torchvision model by name, built without weights (nothing is downloaded)."""
    torch = _torch()
    try:
        import torchvision
    except ImportError:
        raise NaasError("import: torchvision is not installed; install it beside torch") from None
    available = torchvision.models.list_models()
    if name not in available:
        import difflib

        close = difflib.get_close_matches(name, available, n=5, cutoff=0.6)
        raise NaasError(f"import: torchvision has no model {name!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    model = torchvision.models.get_model(name, weights=None)
    return from_torch(model, torch.zeros(batch, 3, resolution, resolution), name=name)
