#!/bin/sh
# Runs every experiment one after the other (nice'd; the machine is shared), each writing
# experiments/out/expN.md and its JSON-lines logs. Set NNC to a binary other than
# .build-sgd2/release/nnc, NNC_DATA to where mnist/ lives.
cd "$(dirname "$0")/.." || exit 1
# Arguments: the experiments to run (default: all), e.g. `run_all.sh exp2 exp4`.
only="$*"
# The reduced settings of EXPERIMENTS.md (what fitted the 2 shared cores in an evening); each
# script's defaults are the paper's full setting.
for s in "exp1_first_epoch.py --seeds 1 2 3" "exp2_mlp10.py --epochs 10 --search-every 5" \
         "exp3_init_sigma.py --epochs 8 --search-every 4" \
         "exp4_mlp50.py --epochs 5" "exp4_mlp50.py --epochs 3 --lr 1" "exp4_mlp50.py --epochs 5 --noise 0.3" \
         "exp5_operator_norm.py --epochs 5 --search-every 5" "exp6_scale_amended.py"; do
  case " $only " in "  ") ;; *" ${s%%_*} "*) ;; *) continue ;; esac
  echo "== $(date -u +%H:%M:%S) experiments/$s"
  # shellcheck disable=SC2086
  python3 experiments/$s || echo "!! $s failed"
done
echo "== $(date -u +%H:%M:%S) done"
