"""Random-weight CLIP checkpoints with the real state-dict keys, and reference embeddings.

Writes a checkpoint in the layout the hub serves (Hugging Face CLIPModel: config.json +
model.safetensors, as vinid/plip; open_clip: open_clip_config.json + open_clip_model.safetensors
or open_clip_pytorch_model.bin, as wisdomik/QuiltNet-B-32), then computes image and text
embeddings with a short forward pass written directly against that state dict (float64), so the
ONNX graphs PathLens builds can be checked against an implementation that shares no code with them.

  /usr/bin/python3 clip_reference.py --format huggingface|open_clip --size tiny|vit-b32 \
      --out DIR --images a.png b.png --token-ids ids.json --reference out.json [--bin] [--gelu]
"""
import argparse
import collections
import json
import math
import os
import struct

import numpy as np
import torch
from PIL import Image

SIZES = {
    # Real key structure and vocabulary; small widths so the test runs in seconds.
    "tiny": dict(vision_width=64, vision_layers=2, vision_heads=4, text_width=48, text_layers=2, text_heads=4, embed_dim=32),
    # openai/clip-vit-base-patch32, vinid/plip and QuiltNet-B-32.
    "vit-b32": dict(vision_width=768, vision_layers=12, vision_heads=12, text_width=512, text_layers=12, text_heads=8, embed_dim=512),
}
VOCAB, CONTEXT, IMAGE, PATCH = 49408, 77, 224, 32
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


class Weights:
    def __init__(self, seed):
        self.generator = torch.Generator().manual_seed(seed)
        self.state = {}

    def normal(self, name, shape, std):
        self.state[name] = torch.randn(*shape, generator=self.generator) * std

    def linear(self, name, outputs, inputs, bias=True):
        self.normal(name + ".weight", (outputs, inputs), 1 / math.sqrt(inputs))
        if bias:
            self.normal(name + ".bias", (outputs,), 0.02)

    def norm(self, name, width):
        self.state[name + ".weight"] = 1 + 0.1 * torch.randn(width, generator=self.generator)
        self.normal(name + ".bias", (width,), 0.05)


def huggingface_state(size, seed):
    w = Weights(seed)
    vw, tw, d = size["vision_width"], size["text_width"], size["embed_dim"]
    tokens = (IMAGE // PATCH) ** 2 + 1
    w.normal("vision_model.embeddings.class_embedding", (vw,), 0.5)
    w.normal("vision_model.embeddings.patch_embedding.weight", (vw, 3, PATCH, PATCH), 1 / math.sqrt(3 * PATCH * PATCH))
    w.normal("vision_model.embeddings.position_embedding.weight", (tokens, vw), 0.1)
    w.state["vision_model.embeddings.position_ids"] = torch.arange(tokens).unsqueeze(0)
    w.norm("vision_model.pre_layrnorm", vw)
    w.norm("vision_model.post_layernorm", vw)
    w.normal("text_model.embeddings.token_embedding.weight", (VOCAB, tw), 0.5)
    w.normal("text_model.embeddings.position_embedding.weight", (CONTEXT, tw), 0.1)
    w.state["text_model.embeddings.position_ids"] = torch.arange(CONTEXT).unsqueeze(0)
    w.norm("text_model.final_layer_norm", tw)
    for tower, width, layers in (("vision_model", vw, size["vision_layers"]), ("text_model", tw, size["text_layers"])):
        for i in range(layers):
            p = f"{tower}.encoder.layers.{i}"
            for projection in ("q_proj", "k_proj", "v_proj", "out_proj"):
                w.linear(f"{p}.self_attn.{projection}", width, width)
            w.norm(p + ".layer_norm1", width)
            w.norm(p + ".layer_norm2", width)
            w.linear(p + ".mlp.fc1", 4 * width, width)
            w.linear(p + ".mlp.fc2", width, 4 * width)
    w.linear("visual_projection", d, vw, bias=False)
    w.linear("text_projection", d, tw, bias=False)
    w.state["logit_scale"] = torch.tensor(math.log(1 / 0.07))
    return w.state


def open_clip_state(size, seed):
    w = Weights(seed)
    vw, tw, d = size["vision_width"], size["text_width"], size["embed_dim"]
    tokens = (IMAGE // PATCH) ** 2 + 1
    w.normal("visual.class_embedding", (vw,), 0.5)
    w.normal("visual.positional_embedding", (tokens, vw), 0.1)
    w.normal("visual.proj", (vw, d), 1 / math.sqrt(vw))
    w.normal("visual.conv1.weight", (vw, 3, PATCH, PATCH), 1 / math.sqrt(3 * PATCH * PATCH))
    w.norm("visual.ln_pre", vw)
    w.norm("visual.ln_post", vw)
    w.normal("token_embedding.weight", (VOCAB, tw), 0.5)
    w.normal("positional_embedding", (CONTEXT, tw), 0.1)
    w.normal("text_projection", (tw, d), 1 / math.sqrt(tw))
    w.norm("ln_final", tw)
    w.state["logit_scale"] = torch.tensor(math.log(1 / 0.07))
    for prefix, width, layers in (("visual.", vw, size["vision_layers"]), ("", tw, size["text_layers"])):
        for i in range(layers):
            p = f"{prefix}transformer.resblocks.{i}"
            w.normal(p + ".attn.in_proj_weight", (3 * width, width), 1 / math.sqrt(width))
            w.normal(p + ".attn.in_proj_bias", (3 * width,), 0.02)
            w.linear(p + ".attn.out_proj", width, width)
            w.norm(p + ".ln_1", width)
            w.norm(p + ".ln_2", width)
            w.linear(p + ".mlp.c_fc", 4 * width, width)
            w.linear(p + ".mlp.c_proj", width, 4 * width)
    return w.state


def save_safetensors(state, path):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, tensor in state.items():
        array = tensor.contiguous().numpy()
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[array.dtype]
        blob = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)


def as_saved_state_dict(state):
    """What model.state_dict() gives torch.save: an OrderedDict with _metadata, some tensors non-contiguous views."""
    saved = collections.OrderedDict()
    for name, tensor in state.items():
        # A transposed copy's transpose: the same values, stored column-major (strides not row-major).
        saved[name] = tensor.t().contiguous().t() if tensor.dim() == 2 and "proj" in name else tensor
    saved._metadata = collections.OrderedDict({"": {"version": 1}})
    return saved


# ---- the reference forward pass, straight from the state dict ----

def layer_norm(x, state, name):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], state[name + ".weight"], state[name + ".bias"], 1e-5)


def activation(x, quick):
    return x * torch.sigmoid(1.702 * x) if quick else 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def attention(x, q, k, v, heads, mask):
    batch, length, width = x.shape
    split = lambda t: t.reshape(batch, length, heads, width // heads).transpose(1, 2)
    scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(width // heads)
    if mask is not None:
        scores = scores + mask
    return (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(batch, length, width)


def hf_encoder(x, s, prefix, layers, heads, quick, mask=None):
    for i in range(layers):
        p = f"{prefix}.encoder.layers.{i}"
        lin = lambda t, n: t @ s[f"{p}.{n}.weight"].T + s[f"{p}.{n}.bias"]
        h = layer_norm(x, s, p + ".layer_norm1")
        x = x + lin(attention(h, lin(h, "self_attn.q_proj"), lin(h, "self_attn.k_proj"), lin(h, "self_attn.v_proj"), heads, mask), "self_attn.out_proj")
        x = x + lin(activation(lin(layer_norm(x, s, p + ".layer_norm2"), "mlp.fc1"), quick), "mlp.fc2")
    return x


def open_clip_encoder(x, s, prefix, layers, heads, quick, mask=None):
    for i in range(layers):
        p = f"{prefix}transformer.resblocks.{i}"
        lin = lambda t, n: t @ s[f"{p}.{n}.weight"].T + s[f"{p}.{n}.bias"]
        h = layer_norm(x, s, p + ".ln_1")
        q, k, v = (h @ s[p + ".attn.in_proj_weight"].T + s[p + ".attn.in_proj_bias"]).chunk(3, dim=-1)
        x = x + lin(attention(h, q, k, v, heads, mask), "attn.out_proj")
        x = x + lin(activation(lin(layer_norm(x, s, p + ".ln_2"), "mlp.c_fc"), quick), "mlp.c_proj")
    return x


def causal_mask(length):
    return torch.full((length, length), float("-inf"), dtype=torch.float64).triu(1)


def reference_embeddings(fmt, s, size, quick, pixels, token_ids):
    s = {name: tensor.double() for name, tensor in s.items() if tensor.is_floating_point()}
    batch = pixels.shape[0]
    if fmt == "huggingface":
        x = torch.nn.functional.conv2d(pixels, s["vision_model.embeddings.patch_embedding.weight"], stride=PATCH).flatten(2).transpose(1, 2)
        x = torch.cat([s["vision_model.embeddings.class_embedding"].expand(batch, 1, -1), x], 1) + s["vision_model.embeddings.position_embedding.weight"]
        x = hf_encoder(layer_norm(x, s, "vision_model.pre_layrnorm"), s, "vision_model", size["vision_layers"], size["vision_heads"], quick)
        images = layer_norm(x[:, 0], s, "vision_model.post_layernorm") @ s["visual_projection.weight"].T
        # transformers pads with the end token and masks padded keys; its legacy configs (eos_token_id 2) pool at argmax(input_ids).
        length = max(len(ids) for ids in token_ids)
        ids = torch.tensor([ids + [ids[-1]] * (length - len(ids)) for ids in token_ids])
        padding = torch.tensor([[0.0] * len(ids) + [float("-inf")] * (length - len(ids)) for ids in token_ids], dtype=torch.float64)
        x = s["text_model.embeddings.token_embedding.weight"][ids] + s["text_model.embeddings.position_embedding.weight"][:length]
        x = hf_encoder(x, s, "text_model", size["text_layers"], size["text_heads"], quick, causal_mask(length) + padding[:, None, None, :])
        x = layer_norm(x, s, "text_model.final_layer_norm")
        texts = x[torch.arange(len(token_ids)), ids.argmax(-1)] @ s["text_projection.weight"].T
    else:
        x = torch.nn.functional.conv2d(pixels, s["visual.conv1.weight"], stride=PATCH).flatten(2).transpose(1, 2)
        x = torch.cat([s["visual.class_embedding"].expand(batch, 1, -1), x], 1) + s["visual.positional_embedding"]
        x = open_clip_encoder(layer_norm(x, s, "visual.ln_pre"), s, "visual.", size["vision_layers"], size["vision_heads"], quick)
        images = layer_norm(x, s, "visual.ln_post")[:, 0] @ s["visual.proj"]
        # open_clip pads every text to the full context with zeros; only the causal mask applies.
        ids = torch.tensor([ids + [0] * (CONTEXT - len(ids)) for ids in token_ids])
        x = s["token_embedding.weight"][ids] + s["positional_embedding"]
        x = layer_norm(open_clip_encoder(x, s, "", size["text_layers"], size["text_heads"], quick, causal_mask(CONTEXT)), s, "ln_final")
        texts = x[torch.arange(len(token_ids)), ids.argmax(-1)] @ s["text_projection"]
    return images, texts


def load_pixels(paths):
    arrays = []
    for path in paths:
        image = Image.open(path).convert("RGB")
        if image.size != (IMAGE, IMAGE):
            raise SystemExit(f"{path}: expected a {IMAGE}x{IMAGE} patch")
        array = np.asarray(image, dtype=np.float64) / 255.0
        arrays.append(((array - MEAN) / STD).transpose(2, 0, 1))
    return torch.tensor(np.stack(arrays))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--format", choices=["huggingface", "open_clip"], required=True)
    parser.add_argument("--size", choices=list(SIZES), default="tiny")
    parser.add_argument("--out", required=True)
    parser.add_argument("--images", nargs="+", required=True)
    parser.add_argument("--token-ids", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--bin", action="store_true", help="write the PyTorch pickle checkpoint (torch.save) instead of safetensors")
    parser.add_argument("--gelu", action="store_true", help="exact GELU instead of quick GELU")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    size, quick = SIZES[args.size], not args.gelu
    os.makedirs(args.out, exist_ok=True)
    if args.format == "huggingface":
        state = huggingface_state(size, args.seed)
        tower = lambda width, layers, heads: dict(hidden_size=width, intermediate_size=4 * width, num_hidden_layers=layers, num_attention_heads=heads, hidden_act="quick_gelu" if quick else "gelu", layer_norm_eps=1e-5)
        config = {
            "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": size["embed_dim"], "logit_scale_init_value": 2.6592,
            "text_config": dict(tower(size["text_width"], size["text_layers"], size["text_heads"]), vocab_size=VOCAB, max_position_embeddings=CONTEXT, bos_token_id=0, eos_token_id=2),
            "vision_config": dict(tower(size["vision_width"], size["vision_layers"], size["vision_heads"]), image_size=IMAGE, patch_size=PATCH),
        }
        with open(os.path.join(args.out, "config.json"), "w") as out:
            json.dump(config, out, indent=2)
        if args.bin:
            torch.save(as_saved_state_dict(state), os.path.join(args.out, "pytorch_model.bin"))
        else:
            save_safetensors(state, os.path.join(args.out, "model.safetensors"))
    else:
        state = open_clip_state(size, args.seed)
        config = {
            "model_cfg": {
                "embed_dim": size["embed_dim"], "quick_gelu": quick,
                "vision_cfg": {"image_size": IMAGE, "layers": size["vision_layers"], "width": size["vision_width"], "head_width": size["vision_width"] // size["vision_heads"], "patch_size": PATCH},
                "text_cfg": {"context_length": CONTEXT, "vocab_size": VOCAB, "width": size["text_width"], "heads": size["text_heads"], "layers": size["text_layers"]},
            },
            "preprocess_cfg": {"mean": MEAN, "std": STD},
        }
        with open(os.path.join(args.out, "open_clip_config.json"), "w") as out:
            json.dump(config, out, indent=2)
        if args.bin:
            torch.save(as_saved_state_dict(state), os.path.join(args.out, "open_clip_pytorch_model.bin"))
        else:
            save_safetensors(state, os.path.join(args.out, "open_clip_model.safetensors"))
    with open(args.token_ids) as source:
        token_ids = json.load(source)
    with torch.no_grad():
        images, texts = reference_embeddings(args.format, state, size, quick, load_pixels(args.images), token_ids)
    with open(args.reference, "w") as out:
        json.dump({"image_embeds": images.tolist(), "text_embeds": texts.tolist()}, out)


if __name__ == "__main__":
    main()
