#!/usr/bin/env bash
# Packs what the quality harness needs to train and evaluate on a GPU machine that has PyTorch (a pip `torch` with CUDA)
# but where TorchSharp-cuda-* cannot be restored, and perhaps no .NET either:
#   - app.tar.xz: the harness's managed DLLs and TorchSharp's libLibTorchSharp.so, WITHOUT libtorch and WITHOUT the
#     .deps.json (so that nothing points the loader at the CPU libtorch of TorchSharp-cpu). On the GPU machine the
#     dynamic loader then finds libtorch, libtorch_cuda and libc10 through LD_LIBRARY_PATH, in torch's own lib folder.
#   - dotnet.tar.xz: the .NET runtime this machine runs (the host, hostfxr, Microsoft.NETCore.App), about 26 MB.
#   - data/: the images the runs read (train400 201-400 as the noisy / supervised set, Kodak24, Set12).
#   - run.sh: the script to run there (benchmarks/gpu/run.sh).
# TorchSharp 0.107 is built against libtorch 2.10; it ran against PyTorch 2.11 (cu130) on an H200 (docs/results.md,
# session 9). If the prebuilt library does not load, run.sh compiles TorchSharp's native sources there, when
# TORCHSHARP_NATIVE (a checkout's src/Native) was packed too.
#   benchmarks/gpu/bundle.sh [OUT_DIR]        (default .gpu, ignored by git)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.gpu}
shared=${SHARED_DATA:-../shared/data}
harness=benchmarks/Denoising.Flow.Quality
dotnet build "$harness" -c Release >/dev/null
bin=$harness/bin/Release/net10.0
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$out" && mkdir -p "$out/data/train400" "$out/data/kodak24" "$out/data/set12" "$stage/app"

cp "$bin"/*.dll "$bin/Denoising.Flow.Quality.runtimeconfig.json" "$bin/runtimes/linux-x64/native/libLibTorchSharp.so" "$stage/app/"
(cd "$stage" && tar cJf - app) > "$out/app.tar.xz"

root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls -d "$root"/shared/Microsoft.NETCore.App/* | sort -V | tail -1)
mkdir -p "$stage/dotnet/shared/Microsoft.NETCore.App"
cp -r "$root/dotnet" "$root/host" "$stage/dotnet/"
cp -r "$runtime" "$stage/dotnet/shared/Microsoft.NETCore.App/"
(cd "$stage" && tar cJf - dotnet) > "$out/dotnet.tar.xz"

# The harness selects images by position (--range), so the noisy set is copied alone and read as --range 1-200.
ls "$shared/train400" | sort | sed -n '201,400p' | while read -r f; do cp "$shared/train400/$f" "$out/data/train400/"; done
cp "$shared/kodak24/"* "$out/data/kodak24/"
cp "$shared/set12/"* "$out/data/set12/"
if [ -n "${TORCHSHARP_NATIVE:-}" ]; then mkdir -p "$out/native" && cp -r "$TORCHSHARP_NATIVE" "$out/native/Native"; fi
mkdir -p "$out/models" && cp models/prior-gray.dnflow models/prior-color.dnflow "$out/models/"
cp benchmarks/gpu/run.sh "$out/"
du -sh "$out"/*; du -sh "$out"
