#!/usr/bin/env bash
# Runs every buried command on small phantoms into OUT, with the CLI at BURIED (a bin/buried.js).
# scripts/check-identity.sh runs this for two builds and compares the folders byte for byte.
# Usage: commands.sh BURIED OUT
set -euo pipefail
B="node $1"
O="$2"
mkdir -p "$O"
log() { echo "identity: $*" >&2; }
run() { local name="$1"; shift; log "$name"; $B "$@" --json >"$O/$name.stdout.json" 2>"$O/$name.stderr.txt" || { echo "exit $?" >"$O/$name.exit"; }; }

# phantoms: every layout, an axis, the surroundings and the field of view
run synth-plated synth "$O/p" --preset plated --shape 64,48,48 --seed 3
run synth-symmetric synth "$O/s" --preset symmetric --shape 96,48,48 --seed 3 --surroundings plunger --fov circle
run synth-fullcell synth "$O/f" --preset fullcell --shape 120,48,48 --seed 3
run synth-labct-x synth "$O/l" --preset labct --shape 48,48,80 --seed 3 --axis x
run info info "$O/p/scan.tif"
run convert-vti convert "$O/p/labels.tif" -o "$O/p-labels.vti"
run convert-zarr convert "$O/p/scan.tif" -o "$O/p-scan.zarr" --chunks 32,32,32

for c in p s f l; do
  run "segment-$c" segment "$O/$c/scan.tif" -o "$O/seg-$c"
  run "thickness-$c" thickness "$O/seg-$c/labels.tif" -o "$O/th-$c" --normal auto --scan "$O/$c/scan.tif"
done
# streamed (out-of-core) paths: a phantom tiled to 64×384×384 does not fit a 64M budget
run synth-tiled synth "$O/t" --preset plated --shape 64,48,48 --seed 3 --tile 384,384
run segment-streamed segment "$O/t/scan.tif" -o "$O/seg-t" --memory 64M
run thickness-streamed thickness "$O/seg-t/labels.tif" -o "$O/th-t" --memory 64M
run distance-streamed distance "$O/seg-t/labels.tif" --label 1 -o "$O/dist-t" --backend cpu --memory 64M
run local-thickness-streamed local-thickness "$O/seg-t/labels.tif" --label 1 -o "$O/lt-t" --backend cpu --memory 64M
run current-streamed current "$O/th-t/contact.tif" -o "$O/cur-t" --labels "$O/seg-t/labels.tif" --backend cpu --memory 64M
run segment-generic segment "$O/p/scan.tif" -o "$O/seg-k3" --classes 3 --method gmm
run distance distance "$O/seg-p/labels.tif" --label 1 -o "$O/dist" --backend cpu
run local-thickness local-thickness "$O/seg-p/labels.tif" --label 1 -o "$O/lt" --backend cpu
run strip strip "$O/th-p/thickness_um.tif" -o "$O/strip" --steps 20 --at 0.5
run strip-both strip "$O/th-p/thickness_um.tif" -o "$O/strip-both" --steps 10 --mode both --solve-grid 24
run current current "$O/th-p/contact.tif" -o "$O/cur" --thickness 40 --backend cpu
run current-labels current "$O/th-p/contact.tif" -o "$O/cur-labels" --labels "$O/seg-p/labels.tif" --backend cpu --no-extrapolate
run fem-wavy fem contact --wavy 0.5,20 --pressure 5 --li elastic -o "$O/fem-wavy"
run fem-creep fem contact --rough 0.3,0.8,2,20 --history 0:0.1,10:5 --hold 60 -o "$O/fem-creep"
run run run "$O/p/scan.tif" -o "$O/run"
run run-symmetric run "$O/s/scan.tif" -o "$O/run-s"
run figure-thickness figure "$O/run" --view thickness --out "$O/fig-thickness.png" --size 600,400
run figure-fem figure "$O/run" --view fem --out "$O/fig-fem.png" --size 600,400
run batch batch "$O/p/scan.tif" "$O/f/scan.tif" -o "$O/batch"
