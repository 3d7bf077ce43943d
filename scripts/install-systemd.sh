#!/usr/bin/env bash
# Installs Exchanger as systemd services on a server (run as root from a checkout).
#
#   scripts/install-systemd.sh [--prefix /opt/exchanger] [--env-file /etc/exchanger/exchanger.env]
#                              [--systems "python bitrix24"] [--no-enable]
#
# Copies the checkout to PREFIX, builds its virtualenv, creates the `exchanger` user, puts
# the config under /etc/exchanger (existing files are kept), renders the unit templates in
# scripts/systemd and enables: the worker, one creator per system, the tracker, the API
# (python -m api; 127.0.0.1:8088 unless configured) and the camunda_sync timer.
# Re-running upgrades the code and keeps the configuration.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/exchanger ENV_FILE=/etc/exchanger/exchanger.env CONFIG_DIR=/etc/exchanger/config
SYSTEMS="python" ENABLE=yes UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) PREFIX=$2; shift 2 ;;
    --env-file) ENV_FILE=$2; shift 2 ;;
    --systems) SYSTEMS=$2; shift 2 ;;
    --no-enable) ENABLE=no; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

render() {  # template → unit file with the paths filled in
  sed -e "s#@PREFIX@#$PREFIX#g" -e "s#@ENV_FILE@#$ENV_FILE#g" -e "s#@ENV_DIR@#$(dirname "$ENV_FILE")#g" -e "s#@CONFIG_DIR@#$CONFIG_DIR#g" "$1" >"$2"
}

if [ "${RENDER_ONLY:-}" = 1 ]; then  # used by the tests: render into UNIT_DIR, touch nothing else
  mkdir -p "$UNIT_DIR"
  for unit in "$SRC"/scripts/systemd/*; do render "$unit" "$UNIT_DIR/$(basename "$unit")"; done
  exit 0
fi

id exchanger >/dev/null 2>&1 || useradd --system --home /var/lib/exchanger --shell /usr/sbin/nologin exchanger
mkdir -p "$PREFIX" "$CONFIG_DIR" "$(dirname "$ENV_FILE")" /var/lib/exchanger
rsync -a --delete --exclude .venv --exclude .state --exclude .git "$SRC"/ "$PREFIX"/
python3 -m venv "$PREFIX/.venv"
"$PREFIX/.venv/bin/pip" install -q -r "$PREFIX/requirements.txt"
for file in exchanger.yaml systems.yaml routing.yaml; do
  [ -f "$CONFIG_DIR/$file" ] || cp "$SRC/config/$file" "$CONFIG_DIR/$file"
done
if [ ! -f "$ENV_FILE" ]; then
  install -m 0600 -o exchanger -g exchanger "$SRC/config/prod.env.example" "$ENV_FILE"
  echo "wrote $ENV_FILE from the example: fill in the URLs and secrets before starting" >&2
fi
chown -R exchanger:exchanger /var/lib/exchanger
for unit in "$SRC"/scripts/systemd/*; do render "$unit" "$UNIT_DIR/$(basename "$unit")"; done
systemctl daemon-reload
if [ "$ENABLE" = yes ]; then
  systemctl enable --now exchanger-universal-worker.service exchanger-task-tracker.service exchanger-api.service
  for system in $SYSTEMS; do systemctl enable --now "exchanger-task-creator@$system.service"; done
  systemctl enable --now exchanger-camunda-sync.timer
fi
echo "installed to $PREFIX; status: systemctl status 'exchanger-*'" >&2
