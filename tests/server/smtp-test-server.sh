#!/usr/bin/env bash
# A private Postfix + Dovecot SMTP server on loopback for the SmtpTools tests.
#
# Usage: smtp-test-server.sh install|install-peers|start|stop|status|restart|run
#
#   install        install postfix, dovecot-core, openssl, iproute2 (quick when present)
#   install-peers  install swaks, libnet-ssleay-perl, testssl.sh, nmap (benchmark peers only)
#                  and nftables (the sweep benchmark forwards its endpoints in the kernel),
#                  and libnginx-mod-mail (nginx's mail module: the sweep's --stand-in nginx diagnostic)
#   start          fresh certificates and configuration, start, wait until ready,
#                  write $SMTPTOOLS_SERVER_DIR/server.json (a no-op if already running)
#   stop           stop the instance (quietly succeeds when it is not running)
#   status         print server.json (password masked) and whether the instance runs (exit 0 running, 3 not)
#   restart        stop, then start
#   run            start, stay in the foreground until SIGTERM/SIGINT, then stop (containers)
#
# Everything lives in ${SMTPTOOLS_SERVER_DIR:-/tmp/smtptools-test-server}; the system's
# /etc/postfix and /etc/dovecot are never read or written. Listens on 127.0.0.1 and
# [::1] only, and no message ever leaves the machine.
#
# Ports (tests read them from server.json; SMTPTOOLS_SERVER_PORT_OFFSET adds to each):
#   relay 2525           plaintext greeting, opportunistic STARTTLS (TLS 1.0-1.3), no AUTH
#   submission 2587      STARTTLS required, AUTH only after it, TLS >= 1.2
#   submissions 2465     implicit TLS, AUTH, TLS >= 1.2
#   plain 2526           no TLS at all, AUTH PLAIN LOGIN in clear (deliberately insecure)
#   expired 2601         implicit TLS, AUTH, expired leaf
#   wrongHost 2602       implicit TLS, AUTH, leaf for DNS:wrong.example.invalid only
#   selfSigned 2603      implicit TLS, AUTH, self-signed leaf for localhost
#   noIntermediate 2604  implicit TLS, AUTH, good leaf but the intermediate is not sent
#   expiring 2605        implicit TLS, AUTH, good leaf that expires in 10 days
#   weakKey 2606         implicit TLS, AUTH, good chain but an RSA 1024-bit leaf key
#                        (that listener's OpenSSL security level is set to 1, which
#                        accepts it; Debian 12's OpenSSL loads it at its default too)
#   dns 2553             Knot DNS, authoritative for the discovery zone smtptools.test
#                        (UDP and TCP; see conf/discovery.zone.in for its cases), for
#                        signed.smtptools.test (signed by Knot, DNSSEC) and for
#                        servfail.smtptools.test, whose zone never loads (SERVFAIL)
#   https 2443           nginx: Thunderbird autoconfig documents, TLS with the test CA's leaf,
#                        picked by Host/SNI (autoconfig.<case>.smtptools.test and
#                        <case>.smtptools.test/.well-known/autoconfig/mail/config-v1.1.xml)
#   resolver 2554        unbound: a validating resolver on loopback for the transport-security zones
#                        (secure.test signed by Knot, with its key as unbound's trust anchor;
#                        insecure.test unsigned; bogus.test signed, but anchored to another key,
#                        so its signatures never validate); every other name fails, nothing
#                        leaves loopback. See conf/secure.zone.in for the Test-SmtpDomain cases.
#                        The relay port also listens on 127.0.0.2 with the wrong-host leaf
#                        (STARTTLS): the MX whose certificate is for another name.
#                        nginx serves the MTA-STS policies (https://mta-sts.<case>/.well-known/mta-sts.txt).
#   closed 2699          never listened on (a published port where nothing answers)
#
# XOAUTH2 and OAUTHBEARER are offered next to PLAIN and LOGIN wherever AUTH is, and Dovecot
# validates the bearer tokens itself (oauth2 passdbs, local JWT validation, RS256): the tests'
# identity provider (tests/Shared/Identity, in the test process on an ephemeral loopback port)
# signs them with $SMTPTOOLS_SERVER_DIR/certs/idp-signing.key, whose public half Dovecot trusts
# under the key id in server.json. Dovecot 2.3.19 crashes on JSON arrays in a token body, so
# that provider writes roles and scopes as space-separated strings.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly TEMPLATE_DIR=$SCRIPT_DIR/conf

readonly DOMAIN=smtptools.test
readonly USER_LOCALPART=alice
readonly OTHER_LOCALPART=bob
readonly READY_TIMEOUT_SECONDS=20
readonly STOP_TIMEOUT_SECONDS=5

readonly PORT_NAMES=(relay submission submissions plain expired wrongHost selfSigned noIntermediate expiring weakKey)
# The discovery servers (Knot DNS, nginx) next to Postfix; started and stopped with it.
readonly SERVICE_PORT_NAMES=(dns https resolver)
readonly ZONE=$DOMAIN
readonly BROKEN_ZONE=servfail.$ZONE
# Transport-security zones (Test-SmtpDomain): signed, unsigned, and signed but never validating.
readonly SECURE_ZONE=secure.test INSECURE_ZONE=insecure.test BOGUS_ZONE=bogus.test
# How many bulk domains (bulk-N.secure.test) the 100-domain run uses.
readonly BULK_DOMAINS=100
# Discovery cases whose published host names the good leaf covers (badcert's does not).
readonly COVERED_NAMES=(mail.srv autoconfig.ac submit.ac wk submit.wk mx1.mx smtp.guess mail.srv-starttls
  mail.srv-closed autoconfig.ac-weak submit.ac-weak mail.disagree autoconfig.disagree mail.none
  autoconfig.redirect autoconfig.big)
# SMTPTOOLS_SERVER_PORT_OFFSET moves every port by that much, so that two instances
# (two work trees, each with its own SMTPTOOLS_SERVER_DIR) can run side by side.
PORT_OFFSET=${SMTPTOOLS_SERVER_PORT_OFFSET:-0}
[[ $PORT_OFFSET =~ ^[0-9]{1,5}$ ]] && ((PORT_OFFSET <= 60000)) \
  || { printf 'smtp-test-server: SMTPTOOLS_SERVER_PORT_OFFSET must be a number from 0 to 60000\n' >&2; exit 2; }
readonly PORT_OFFSET
declare -A PORTS=(
  [relay]=2525 [submission]=2587 [submissions]=2465 [plain]=2526
  [expired]=2601 [wrongHost]=2602 [selfSigned]=2603 [noIntermediate]=2604
  [expiring]=2605 [weakKey]=2606 [dns]=2553 [https]=2443 [resolver]=2554 [closed]=2699
)
for name in "${!PORTS[@]}"; do PORTS[$name]=$((PORTS[$name] + PORT_OFFSET)); done
unset name
declare -r PORTS

# Postfix fails silently with a relative -c directory: always absolute.
DIR=$(realpath -m -- "${SMTPTOOLS_SERVER_DIR:-/tmp/smtptools-test-server}")
readonly DIR
readonly MARKER=$DIR/.smtptools-test-server
readonly LOCK_FILE=$DIR/.lock
readonly STATE_FILE=$DIR/server.json
readonly CERTS=$DIR/certs
readonly LOG_DIR=$DIR/log
readonly POSTFIX_CONF=$DIR/postfix
readonly POSTFIX_PID_FILE=$DIR/spool/pid/master.pid
readonly DOVECOT_CONF=$DIR/dovecot/dovecot.conf
readonly DOVECOT_PID_FILE=$DIR/dovecot/run/master.pid
readonly AUTH_SOCKET=$DIR/dovecot/run/auth-postfix
readonly TOKEN_KEY_ID=smtptools-test-1
readonly OAUTH2_CONFIGS=(oauth2-microsoft-app oauth2-microsoft-user oauth2-google)
readonly KNOT_CONF=$DIR/knot/knot.conf
readonly KNOT_PID_FILE=$DIR/knot/run/knot.pid
readonly NGINX_CONF=$DIR/nginx/nginx.conf
readonly NGINX_PID_FILE=$DIR/nginx/nginx.pid
readonly UNBOUND_CONF=$DIR/unbound/unbound.conf
readonly UNBOUND_PID_FILE=$DIR/unbound/unbound.pid

log() { printf 'smtp-test-server: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- install ----------------------------------------------------------------

missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
      || printf '%s\n' "$package"
  done
}

apt_install() {
  local -a missing
  mapfile -t missing < <(missing_packages "$@")
  if ((${#missing[@]} == 0)); then
    log "already installed: $*"
    return 0
  fi
  ((EUID == 0)) || die "installing ${missing[*]} needs root"
  # Without preseeding, postfix's debconf dialog waits for an answer forever.
  debconf-set-selections <<'EOF'
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string localhost
EOF
  local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends)
  # Refresh the package lists only when installing from the current ones fails.
  if ! "${apt[@]}" "${missing[@]}" </dev/null; then
    apt-get update -q </dev/null
    "${apt[@]}" "${missing[@]}" </dev/null
  fi
}

cmd_install() { apt_install postfix dovecot-core openssl iproute2 knot knot-dnsutils nginx-light unbound; }

# swaks without libnet-ssleay-perl silently has no TLS.
cmd_install_peers() { apt_install swaks libnet-ssleay-perl testssl.sh nmap nftables libnginx-mod-mail; }

# --- processes --------------------------------------------------------------

# A live process whose command name is $2. Exited daemons may stay zombies for a
# while here (PID 1 reaps late), so kill -0 is not enough. Builtins only: these
# run in polling loops.
process_alive() {
  local pid=$1 comm=$2 stat name
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { read -r stat <"/proc/$pid/stat" && read -r name <"/proc/$pid/comm"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z && $name == "$comm" ]]
}

# Sets REPLY to the pid recorded in file $1.
read_pid() {
  REPLY=
  [[ -r $1 ]] && { read -r REPLY <"$1" || true; } 2>/dev/null
  [[ $REPLY =~ ^[0-9]+$ ]]
}

# Each sets REPLY to the master's pid.
postfix_alive() { read_pid "$POSTFIX_PID_FILE" && process_alive "$REPLY" master; }
dovecot_alive() { read_pid "$DOVECOT_PID_FILE" && process_alive "$REPLY" dovecot; }
knot_alive() { read_pid "$KNOT_PID_FILE" && process_alive "$REPLY" knotd; }
nginx_alive() { read_pid "$NGINX_PID_FILE" && process_alive "$REPLY" nginx; }
unbound_alive() { read_pid "$UNBOUND_PID_FILE" && process_alive "$REPLY" unbound; }
any_alive() { postfix_alive || dovecot_alive || knot_alive || nginx_alive || unbound_alive; }
instance_running() { postfix_alive && dovecot_alive && knot_alive && nginx_alive && unbound_alive; }

# Signal the process group when $1 leads one (Dovecot's master alone takes about
# a second to stop; its whole group is immediate), otherwise the process.
terminate() {
  local pid=$1 stat pgid
  read -r stat <"/proc/$pid/stat" 2>/dev/null || return 0
  read -r _ _ pgid _ <<<"${stat##*) }"
  if [[ $pgid == "$pid" ]]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
}

# Fills LISTENING with every listening TCP "address:port" and "port" (one ss call).
declare -A LISTENING=()
read_listeners() {
  local address
  LISTENING=()
  while read -r _ _ _ address _; do
    LISTENING[$address]=1
    LISTENING[${address##*:}]=1
  done < <(ss -ltnH)
  # UDP sockets count as "udp/address:port" (only DNS uses UDP).
  while read -r _ _ _ address _; do
    LISTENING[udp/$address]=1
    LISTENING[udp/${address##*:}]=1
  done < <(ss -lunH)
}

# Sets BUSY_PORTS to those of our ports that something listens on.
find_busy_ports() {
  local name
  BUSY_PORTS=()
  read_listeners
  for name in "${PORT_NAMES[@]}" "${SERVICE_PORT_NAMES[@]}"; do
    [[ -z ${LISTENING[${PORTS[$name]}]:-} ]] || BUSY_PORTS+=("${PORTS[$name]}")
  done
  [[ -z ${LISTENING[udp/${PORTS[dns]}]:-} ]] || BUSY_PORTS+=("${PORTS[dns]}/udp")
}

stop_instance() {
  local stopped=1 deadline
  if postfix_alive; then terminate "$REPLY"; stopped=0; fi
  if dovecot_alive; then terminate "$REPLY"; stopped=0; fi
  if knot_alive; then terminate "$REPLY"; stopped=0; fi
  if nginx_alive; then terminate "$REPLY"; stopped=0; fi
  if unbound_alive; then terminate "$REPLY"; stopped=0; fi
  ((stopped == 0)) || return 0
  # Wait for the masters and for the listeners their children still hold, so
  # that a start right after finds the ports free.
  deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
  while :; do
    if ! any_alive; then
      find_busy_ports
      ((${#BUSY_PORTS[@]} == 0)) && break
    fi
    ((SECONDS < deadline)) || { log "still running after ${STOP_TIMEOUT_SECONDS}s"; return 1; }
    sleep 0.02
  done
  log "stopped ($DIR)"
}

# --- certificates -----------------------------------------------------------

# Sets REPLY to the UTC time $1 days from now, as openssl ca wants it.
utc_days_from_now() {
  TZ=UTC printf -v REPLY '%(%Y%m%d%H%M%S)TZ' $((EPOCHSECONDS + $1 * 86400))
}

new_key() {
  openssl genpkey "$@" 2>>"$LOG_DIR/openssl.log" || die "key generation failed: see $LOG_DIR/openssl.log"
}

# issue NAME KEY SUBJECT EXTENSIONS FROM_DAYS TO_DAYS ISSUER|self [SAN]
# Writes $CERTS/NAME.pem, valid from FROM_DAYS to TO_DAYS relative to now. Past
# dates need `openssl ca` (OpenSSL 3.0's `openssl x509 -req` has no -not_before).
# Each certificate has its own CA database, so that several can be issued at once.
issue() {
  local name=$1 key=$2 subject=$3 extensions=$4 from=$5 to=$6 issuer=$7 start end
  local config=$TEMPLATE_DIR/openssl-ca.cnf
  local -a signer=(-selfsign -keyfile "$key")
  [[ $issuer == self ]] || signer=(-cert "$CERTS/$issuer.pem" -keyfile "$CERTS/$issuer.key")
  utc_days_from_now "$from" && start=$REPLY
  utc_days_from_now "$to" && end=$REPLY
  local ca_dir=$CERTS/ca/$name san=${8:-DNS:localhost}
  mkdir -p "$ca_dir/issued" && : >"$ca_dir/index.txt"
  {
    CA_DIR=$ca_dir LEAF_SAN=$san openssl req -new -config "$config" -key "$key" -subj "$subject" \
      -out "$ca_dir/request.pem" \
      && CA_DIR=$ca_dir LEAF_SAN=$san openssl ca -batch -notext -config "$config" "${signer[@]}" \
        -extensions "$extensions" -startdate "$start" -enddate "$end" \
        -in "$ca_dir/request.pem" -out "$CERTS/$name.pem"
  } >>"$LOG_DIR/openssl.log" 2>&1 || die "could not issue the $name certificate: see $LOG_DIR/openssl.log"
}

# Waits for the background jobs; fails if one did.
wait_all() {
  local job
  for job in $(jobs -p); do wait "$job" || exit 1; done
}

make_certificates() {
  local localhost_san='DNS:localhost, IP:127.0.0.1, IP:::1' ec=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256)
  # Key generation dominates: in parallel, and one RSA 2048-bit key serves every
  # localhost leaf (good, expired, wrong host, self-signed, expiring).
  new_key "${ec[@]}" -out "$CERTS/root.key" &
  new_key "${ec[@]}" -out "$CERTS/intermediate.key" &
  new_key -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CERTS/leaf.key" &
  new_key -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$CERTS/weak.key" &
  # The identity provider's token signing key (RS256); Dovecot gets its public half.
  new_key -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CERTS/idp-signing.key" &
  wait_all

  issue root "$CERTS/root.key" '/O=SmtpTools tests/CN=SmtpTools Test Root CA' root_ca -400 1825 self
  issue intermediate "$CERTS/intermediate.key" '/O=SmtpTools tests/CN=SmtpTools Test Intermediate CA' \
    intermediate_ca -400 1825 root
  local name discovery_san=$localhost_san
  for name in "${COVERED_NAMES[@]}"; do discovery_san+=", DNS:$name.$ZONE"; done
  for name in $(security_names); do discovery_san+=", DNS:$name"; done
  issue leaf "$CERTS/leaf.key" /CN=localhost leaf -30 365 intermediate "$discovery_san" &
  issue expired "$CERTS/leaf.key" /CN=localhost leaf -395 -30 intermediate "$localhost_san" &
  issue wrong-host "$CERTS/leaf.key" /CN=wrong.example.invalid leaf -30 365 intermediate DNS:wrong.example.invalid &
  issue self-signed "$CERTS/leaf.key" /CN=localhost leaf -30 365 self "$localhost_san" &
  issue expiring "$CERTS/leaf.key" /CN=localhost leaf -30 10 intermediate "$localhost_san" &
  issue weak "$CERTS/weak.key" /CN=localhost leaf -30 365 intermediate "$localhost_san" &
  wait_all

  # One PEM each for smtpd_tls_chain_files: key, leaf, intermediate (never the root).
  local key=$CERTS/leaf.key intermediate=$CERTS/intermediate.pem
  cat "$key" "$CERTS/leaf.pem" "$intermediate" >"$CERTS/good-chain.pem"
  cat "$key" "$CERTS/expired.pem" "$intermediate" >"$CERTS/expired-chain.pem"
  cat "$key" "$CERTS/wrong-host.pem" "$intermediate" >"$CERTS/wrong-host-chain.pem"
  cat "$key" "$CERTS/self-signed.pem" >"$CERTS/self-signed-chain.pem"
  cat "$key" "$CERTS/leaf.pem" >"$CERTS/no-intermediate-chain.pem"
  cat "$key" "$CERTS/expiring.pem" "$intermediate" >"$CERTS/expiring-chain.pem"
  cat "$CERTS/weak.key" "$CERTS/weak.pem" "$intermediate" >"$CERTS/weak-chain.pem"
  cat "$CERTS/leaf.pem" "$intermediate" >"$CERTS/web-chain.pem" # nginx: the chain without the key
  cp "$CERTS/root.pem" "$CERTS/ca.pem"
  chmod 0644 "$CERTS"/*.pem
  chmod 0600 "$CERTS"/*.key "$CERTS"/*-chain.pem
}

# --- configuration ----------------------------------------------------------

ipv6_loopback_available() {
  [[ -r /proc/net/if_inet6 ]] \
    && awk '$1 == "00000000000000000000000000000001" && $6 == "lo" { found = 1 } END { exit !found }' \
      /proc/net/if_inet6
}

render() {
  sed -e "s|@DIR@|$DIR|g" \
    -e "s|@INET_INTERFACES@|$INET_INTERFACES|g" \
    -e "s|@INET_PROTOCOLS@|$INET_PROTOCOLS|g" \
    -e "s|@LOOPBACK_NETWORKS@|$LOOPBACK_NETWORKS|g" \
    -e "s|@MAIL_UID@|$MAIL_UID|g" \
    -e "s|@MAIL_GID@|$MAIL_GID|g" \
    -e "s|@INSTANCE@|$INSTANCE|g" \
    -e "s|@ZONE@|$ZONE|g" \
    -e "s|@BROKEN_ZONE@|$BROKEN_ZONE|g" \
    -e "s|@SUBMISSIONS@|${PORTS[submissions]}|g" \
    -e "s|@SUBMISSION@|${PORTS[submission]}|g" \
    -e "s|@CLOSED@|${PORTS[closed]}|g" \
    -e "s|@WWW_USER@|$WWW_USER|g" \
    -e "s|@SECURE_ZONE@|$SECURE_ZONE|g" \
    -e "s|@INSECURE_ZONE@|$INSECURE_ZONE|g" \
    -e "s|@BOGUS_ZONE@|$BOGUS_ZONE|g" \
    -e "s|@RELAY@|${PORTS[relay]}|g" \
    -e "s|@DNS@|${PORTS[dns]}|g" \
    -e "s|@RESOLVER@|${PORTS[resolver]}|g" \
    -e "s|@DO_IP6@|$([[ $IPV6 == true ]] && echo yes || echo no)|g" \
    -e "s|@EE_SPKI_SHA256@|${TLSA[ee_spki_sha256]:-}|g" \
    -e "s|@EE_CERT_FULL@|${TLSA[ee_cert_full]:-}|g" \
    -e "s|@EE_CERT_SHA512@|${TLSA[ee_cert_sha512]:-}|g" \
    -e "s|@TA_CERT_SHA256@|${TLSA[ta_cert_sha256]:-}|g" \
    -e "s|@TA_SPKI_SHA512@|${TLSA[ta_spki_sha512]:-}|g" \
    "$TEMPLATE_DIR/$1"
}

# smtpd_listener NAME OPTION... : one master.cf smtpd entry on every inet_interfaces
# address. syslog_name tells the listeners apart in the log.
smtpd_listener() {
  local name=$1
  shift
  printf '%s inet n - n - - smtpd\n  -o syslog_name=postfix/%s\n' "${PORTS[$name]}" "$name"
  [[ $# == 0 ]] || printf '  -o %s\n' "$@"
}

write_master_cf() {
  local -a implicit_tls_auth=(smtpd_tls_wrappermode=yes smtpd_tls_security_level=encrypt smtpd_sasl_auth_enable=yes)
  # Postfix's default "medium" list with an explicit OpenSSL security level for one
  # listener (an -o tls_config_file has no effect per listener; this has).
  local ciphers
  ciphers=$(postconf -d -h tls_medium_cipherlist)
  {
    render master.cf.in
    # TLS 1.0 and 1.1 need security level 0 in OpenSSL 3 (not enforced by Debian 12's
    # default level 1, but a stricter system default must not silently drop them).
    smtpd_listener relay smtpd_tls_security_level=may smtpd_sasl_auth_enable=no \
      'smtpd_tls_protocols=>=TLSv1' "tls_medium_cipherlist=$ciphers:@SECLEVEL=0"
    # The MX whose certificate is for another name: the relay port on 127.0.0.2, STARTTLS, wrong-host leaf.
    printf '127.0.0.2:%s inet n - n - - smtpd\n  -o syslog_name=postfix/wrongMx\n' "${PORTS[relay]}"
    printf '  -o %s\n' smtpd_tls_security_level=may smtpd_sasl_auth_enable=no "smtpd_tls_chain_files=$CERTS/wrong-host-chain.pem"
    smtpd_listener submission smtpd_tls_security_level=encrypt smtpd_tls_auth_only=yes smtpd_sasl_auth_enable=yes
    smtpd_listener submissions "${implicit_tls_auth[@]}"
    smtpd_listener plain smtpd_tls_security_level=none smtpd_tls_auth_only=no smtpd_sasl_auth_enable=yes disable_vrfy_command=no
    smtpd_listener expired "${implicit_tls_auth[@]}" smtpd_tls_chain_files="$CERTS/expired-chain.pem"
    smtpd_listener wrongHost "${implicit_tls_auth[@]}" smtpd_tls_chain_files="$CERTS/wrong-host-chain.pem"
    smtpd_listener selfSigned "${implicit_tls_auth[@]}" smtpd_tls_chain_files="$CERTS/self-signed-chain.pem"
    smtpd_listener noIntermediate "${implicit_tls_auth[@]}" smtpd_tls_chain_files="$CERTS/no-intermediate-chain.pem"
    smtpd_listener expiring "${implicit_tls_auth[@]}" smtpd_tls_chain_files="$CERTS/expiring-chain.pem"
    # An RSA 1024-bit key needs security level 1 or lower (level 2 refuses it).
    smtpd_listener weakKey "${implicit_tls_auth[@]}" smtpd_tls_chain_files="$CERTS/weak-chain.pem" \
      "tls_medium_cipherlist=$ciphers:@SECLEVEL=1"
  } >"$POSTFIX_CONF/master.cf"
}

# Every "address port" pair the discovery servers listen on, one per line.
discovery_addresses() {
  local address
  for address in $LISTEN_ADDRESSES; do
    address=${address#[}
    printf '%s\n' "${address%]}"
  done
}

# autoconfig_document HOST DOMAIN "HOST PORT SOCKETTYPE"... : a config-v1.1.xml served for HOST.
autoconfig_document() {
  local host=$1 domain=$2 file server outgoing=''
  shift 2
  for server in "$@"; do
    read -r -a server <<<"$server"
    outgoing+="    <outgoingServer type=\"smtp\">\n      <hostname>${server[0]}</hostname>\n"
    outgoing+="      <port>${server[1]}</port>\n      <socketType>${server[2]}</socketType>\n"
    outgoing+="      <username>%EMAILADDRESS%</username>\n      <authentication>password-cleartext</authentication>\n"
    outgoing+="    </outgoingServer>\n"
  done
  file=$DIR/www/$host/mail/config-v1.1.xml
  [[ $host == "$domain" ]] && file=$DIR/www/$host/.well-known/autoconfig/mail/config-v1.1.xml
  mkdir -p "${file%/*}"
  render autoconfig.xml.in | sed -e "s|@DOMAIN@|$domain|g" | awk -v o="$outgoing" '$0 == "@OUTGOING@" { printf "%s", o; next } { print }' >"$file"
}

write_discovery_configuration() {
  local address listen='' named='' dns_listen='    listen: [ ' sep=''
  local submissions=${PORTS[submissions]} submission=${PORTS[submission]}
  mkdir -p "$DIR/knot/run" "$DIR/knot/db" "$DIR/knot/zones" "$DIR/nginx/tmp" "$DIR/www"
  while read -r address; do
    dns_listen+="$sep\"$address@${PORTS[dns]}\""
    sep=', '
    [[ $address == *:* ]] && address=[$address]
    listen+="        listen $address:${PORTS[https]} ssl;\n"
  done < <(discovery_addresses)
  dns_listen+=' ]'
  # The named server block shares the listen sockets; "default_server" stays with the first block.
  named=$listen
  render knot.conf.in | awk -v l="$dns_listen" '$0 == "@KNOT_LISTEN@" { print l; next } { print }' >"$KNOT_CONF"
  # AAAA ::1 beside every loopback A record when IPv6 is there.
  render discovery.zone.in | awk -v v6="$IPV6" '{ print } v6 == "true" && $2 == "A" && $3 == "127.0.0.1" { print $1, "AAAA", "::1" }' \
    >"$DIR/knot/zones/$ZONE.zone"
  render signed.zone.in | awk -v v6="$IPV6" '{ print } v6 == "true" && $2 == "A" && $3 == "127.0.0.1" { print $1, "AAAA", "::1" }' \
    >"$DIR/knot/zones/signed.$ZONE.zone"
  render nginx.conf.in | awk -v l="$listen" -v n="$named" \
    '$0 == "@NGINX_LISTEN@" { printf "%s", l; next } $0 == "@NGINX_LISTEN_NAMED@" { printf "%s", n; next } { print }' \
    >"$NGINX_CONF"

  autoconfig_document "autoconfig.ac.$ZONE" "ac.$ZONE" "submit.ac.$ZONE $submissions SSL" "submit.ac.$ZONE $submission STARTTLS"
  autoconfig_document "wk.$ZONE" "wk.$ZONE" "submit.wk.$ZONE $submission STARTTLS"
  autoconfig_document "autoconfig.ac-weak.$ZONE" "ac-weak.$ZONE" "submit.ac-weak.$ZONE $submissions plain"
  autoconfig_document "autoconfig.disagree.$ZONE" "disagree.$ZONE" "mail.disagree.$ZONE $submissions STARTTLS"
  # 2 MiB: far beyond any real document.
  autoconfig_document "autoconfig.big.$ZONE" "big.$ZONE" "submit.big.$ZONE $submissions SSL"
  head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >>"$DIR/www/autoconfig.big.$ZONE/mail/config-v1.1.xml"
  chmod -R a+rX "$DIR/www"
}

# --- transport security (Test-SmtpDomain) ------------------------------------

readonly SECURITY_CASES=(enforce testing missmx wrongname sts-redirect sts-type sts-big)

# Every name in the transport-security zones the good leaf covers (MX hosts, mta-sts hosts).
security_names() {
  local name i
  for name in "${SECURITY_CASES[@]}"; do printf 'mta-sts.%s.%s\n' "$name" "$SECURE_ZONE"; done
  for name in mx.enforce mx.testing mx1.missmx mx2.missmx mx1.wrongname mx.dane-ee mx.dane-ee-full \
    mx.dane-ee-sha512 mx.dane-ta mx.dane-ta-spki mx.dane-bad mx.dane-pkix mx.plain; do
    printf '%s.%s\n' "$name" "$SECURE_ZONE"
  done
  printf '%s\n' "mx.dane.$INSECURE_ZONE" "mx.$BOGUS_ZONE"
  for ((i = 1; i <= BULK_DOMAINS; i++)); do printf 'mta-sts.bulk-%s.%s\n' "$i" "$SECURE_ZONE"; done
}

# Fills TLSA with the certificate association data of the good chain (RFC 6698 2.1):
# the leaf (usage 3) and the intermediate (usage 2), whole certificate or SPKI, full or hashed.
declare -A TLSA=()
compute_tlsa() {
  local leaf=$CERTS/leaf.pem ta=$CERTS/intermediate.pem
  spki() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER; }
  der() { openssl x509 -in "$1" -outform DER; }
  TLSA[ee_spki_sha256]=$(spki "$leaf" | openssl dgst -sha256 -r | cut -d' ' -f1)
  TLSA[ee_cert_full]=$(der "$leaf" | od -An -v -tx1 | tr -d ' \n')
  TLSA[ee_cert_sha512]=$(der "$leaf" | openssl dgst -sha512 -r | cut -d' ' -f1)
  TLSA[ta_cert_sha256]=$(der "$ta" | openssl dgst -sha256 -r | cut -d' ' -f1)
  TLSA[ta_spki_sha512]=$(spki "$ta" | openssl dgst -sha512 -r | cut -d' ' -f1)
}

# mta_sts_policy HOST MODE MX... : the policy served at https://HOST/.well-known/mta-sts.txt.
mta_sts_policy() {
  local host=$1 mode=$2 mx file
  shift 2
  file=$DIR/www/$host/.well-known/mta-sts.txt
  mkdir -p "${file%/*}"
  {
    printf 'version: STSv1\r\nmode: %s\r\n' "$mode"
    for mx in "$@"; do printf 'mx: %s\r\n' "$mx"; done
    printf 'max_age: 604800\r\n'
  } >"$file"
}

write_security_configuration() {
  local zones=$DIR/knot/zones i interfaces='' address
  compute_tlsa
  # AAAA ::1 beside every 127.0.0.1 A record when IPv6 is there (never beside 127.0.0.2).
  local v6='{ print } v6 == "true" && $2 == "A" && $3 == "127.0.0.1" { print $1, "AAAA", "::1" }'
  {
    render secure.zone.in
    for ((i = 1; i <= BULK_DOMAINS; i++)); do
      printf 'bulk-%s MX 10 mx.enforce\n_mta-sts.bulk-%s TXT "v=STSv1; id=%s"\n' "$i" "$i" "$i"
      printf 'mta-sts.bulk-%s A 127.0.0.1\n_smtp._tls.bulk-%s TXT "v=TLSRPTv1; rua=mailto:tlsrpt@bulk-%s.%s"\n' \
        "$i" "$i" "$i" "$SECURE_ZONE"
    done
  } | awk -v v6="$IPV6" "$v6" >"$zones/$SECURE_ZONE.zone"
  render insecure.zone.in | awk -v v6="$IPV6" "$v6" >"$zones/$INSECURE_ZONE.zone"
  render bogus.zone.in | awk -v v6="$IPV6" "$v6" >"$zones/$BOGUS_ZONE.zone"

  local zone=$SECURE_ZONE
  mta_sts_policy "mta-sts.enforce.$zone" enforce "mx.enforce.$zone"
  mta_sts_policy "mta-sts.testing.$zone" testing "mx.testing.$zone"
  mta_sts_policy "mta-sts.missmx.$zone" enforce "mx1.missmx.$zone"
  mta_sts_policy "mta-sts.wrongname.$zone" enforce "*.wrongname.$zone"
  mta_sts_policy "mta-sts.sts-type.$zone" enforce "mx.enforce.$zone"
  mta_sts_policy "mta-sts.sts-big.$zone" enforce "mx.enforce.$zone"
  # 100 KiB of comment-free padding: beyond the 64 KiB senders read.
  head -c $((100 * 1024)) /dev/zero | tr '\0' 'x' >>"$DIR/www/mta-sts.sts-big.$zone/.well-known/mta-sts.txt"
  for ((i = 1; i <= BULK_DOMAINS; i++)); do mta_sts_policy "mta-sts.bulk-$i.$zone" enforce "mx.enforce.$zone"; done

  mkdir -p "$DIR/unbound"
  while read -r address; do interfaces+="    interface: $address\n"; done < <(discovery_addresses)
  render unbound.conf.in | awk -v l="$interfaces" '$0 == "@UNBOUND_INTERFACES@" { printf "%s", l; next } { print }' \
    >"$UNBOUND_CONF"
}

# After Knot has signed secure.test: its key becomes unbound's trust anchor, and (the broken
# case) bogus.test is anchored to the same key, which never signed it.
write_trust_anchors() {
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS)) keys=''
  until keys=$(kdig -p "${PORTS[dns]}" @127.0.0.1 +short +norec "$SECURE_ZONE" DNSKEY 2>/dev/null) && [[ -n $keys ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
  local key
  while read -r key; do
    printf '%s. 60 IN DNSKEY %s\n%s. 60 IN DNSKEY %s\n' "$SECURE_ZONE" "$key" "$BOGUS_ZONE" "$key"
  done <<<"$keys" >"$DIR/unbound/anchors.key"
}

# Creates the queue and data directories as Postfix's postfix-files lists them,
# then lets `postfix start` skip its integrity checks once (quick-start): the
# checks would create the same directories, but take about 0.4 s. Without the
# list, `postfix start` does it all itself.
prepare_postfix_queue() {
  local list=/etc/postfix/postfix-files path type owner group mode target
  local -a directories=()
  local -A by_owner=() by_mode=()
  [[ -r $list ]] || return 0
  while IFS=: read -r path type owner group mode _; do
    [[ $type == d && $path =~ ^\$(queue|data)_directory ]] || continue
    path=${path/\$queue_directory/$DIR/spool}
    path=${path/\$data_directory/$DIR/postfix-data}
    owner=${owner/\$mail_owner/postfix}
    group=${group/\$setgid_group/postdrop}
    [[ $group != - ]] || group=root
    directories+=("$path")
    by_owner[$owner:$group]+=" $path"
    by_mode[$mode]+=" $path"
  done <"$list"
  ((${#directories[@]} > 0)) || return 0
  mkdir -p "${directories[@]}"
  # shellcheck disable=SC2086 # space-separated lists of paths without spaces
  for target in "${!by_owner[@]}"; do chown "$target" ${by_owner[$target]}; done
  # shellcheck disable=SC2086
  for target in "${!by_mode[@]}"; do chmod "$target" ${by_mode[$target]}; done
  : >"$DIR/spool/quick-start"
}

# Sets PASSWORD: 20 random letters and digits.
# The state without the password: tests read it from the file; logs (CI's included) never show it.
show_state() {
  sed -E 's/("password": *")[^"]*"/\1(in '"${STATE_FILE//\//\\/}"')"/' "$STATE_FILE"
}

new_password() {
  PASSWORD=$(head -c 600 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
  PASSWORD=${PASSWORD:0:20}
}

write_configuration() {
  mkdir -p "$POSTFIX_CONF" "$DIR/dovecot/run" "$DIR/dovecot/state" \
    "$DIR/mail/$DOMAIN/$USER_LOCALPART"/{new,cur,tmp} "$DIR/mail/$DOMAIN/$OTHER_LOCALPART"/{new,cur,tmp}
  prepare_postfix_queue
  render main.cf.in >"$POSTFIX_CONF/main.cf"
  write_master_cf
  printf '%s@%s %s/%s/\n' "$USER_LOCALPART" "$DOMAIN" "$DOMAIN" "$USER_LOCALPART" \
    "$OTHER_LOCALPART" "$DOMAIN" "$DOMAIN" "$OTHER_LOCALPART" >"$POSTFIX_CONF/vmailbox"

  render dovecot.conf.in >"$DOVECOT_CONF"
  local config
  for config in "${OAUTH2_CONFIGS[@]}"; do render "$config.conf.ext.in" >"$DIR/dovecot/$config.conf.ext"; done
  # Tokens carry no azp claim: Dovecot looks the key up as default/<alg>/<kid>.
  mkdir -p "$DIR/dovecot/keys/default/RS256"
  openssl pkey -in "$CERTS/idp-signing.key" -pubout -out "$DIR/dovecot/keys/default/RS256/$TOKEN_KEY_ID" 2>>"$LOG_DIR/openssl.log" \
    || die "could not derive the token signing public key: see $LOG_DIR/openssl.log"
  chgrp -R dovecot "$DIR/dovecot/keys" && chmod -R g+rX "$DIR/dovecot/keys"
  printf '%s@%s:{PLAIN}%s::::::\n' "$USER_LOCALPART" "$DOMAIN" "$PASSWORD" >"$DIR/dovecot/users"
  chgrp dovecot "$DIR/dovecot/users"
  chmod 0640 "$DIR/dovecot/users"

  chown -R "$MAIL_UID:$MAIL_GID" "$DIR/mail"

  write_discovery_configuration
  write_security_configuration

  # Postfix sleeps about 2 s at start when main.cf is younger than that.
  find "$POSTFIX_CONF" "$DIR/dovecot" -exec touch -h -d "@$((EPOCHSECONDS - 10))" {} +
}

write_state_file() {
  local name sep='' ports=''
  # Only SMTP listeners under "ports" (tests probe each one); the discovery servers have their own keys.
  for name in "${PORT_NAMES[@]}"; do
    ports+=$sep$'\n'"    \"$name\": ${PORTS[$name]}"
    sep=,
  done
  cat >"$STATE_FILE.tmp" <<EOF
{
  "host": "localhost",
  "stateDir": "$DIR",
  "caFile": "$CERTS/ca.pem",
  "intermediateFile": "$CERTS/intermediate.pem",
  "maildir": "$DIR/mail",
  "log": "$LOG_DIR/postfix.log",
  "domain": "$DOMAIN",
  "user": "$USER_LOCALPART@$DOMAIN",
  "password": "$PASSWORD",
  "otherUser": "$OTHER_LOCALPART@$DOMAIN",
  "ipv6": $IPV6,
  "identityProvider": {
    "signingKeyFile": "$CERTS/idp-signing.key",
    "keyId": "$TOKEN_KEY_ID",
    "tlsCertificateFile": "$CERTS/leaf.pem",
    "tlsKeyFile": "$CERTS/leaf.key",
    "tlsIntermediateFile": "$CERTS/intermediate.pem"
  },
  "dnsServer": "127.0.0.1:${PORTS[dns]}",
  "autoconfigPort": ${PORTS[https]},
  "closedPort": ${PORTS[closed]},
  "zone": "$ZONE",
  "servfailZone": "$BROKEN_ZONE",
  "signedZone": "signed.$ZONE",
  "resolver": "127.0.0.1:${PORTS[resolver]}",
  "secureZone": "$SECURE_ZONE",
  "insecureZone": "$INSECURE_ZONE",
  "bogusZone": "$BOGUS_ZONE",
  "bulkDomains": $BULK_DOMAINS,
  "ports": {$ports
  }
}
EOF
  mv -f "$STATE_FILE.tmp" "$STATE_FILE"
}

# --- start ------------------------------------------------------------------

require_tools() {
  local tool
  for tool in /usr/sbin/postfix /usr/sbin/dovecot /usr/sbin/knotd /usr/sbin/nginx /usr/sbin/unbound kdig openssl ss flock; do
    command -v "$tool" >/dev/null || die "$tool is missing: run '$0 install' first"
  done
  ((EUID == 0)) || die "Postfix's master must be started as root"
}

# The state directory is wiped on every start, so only ever one we made.
refuse_foreign_state_dir() {
  [[ $DIR =~ ^/[A-Za-z0-9._/-]+$ ]] || die "state directory '$DIR': use letters, digits and ._-/ only"
  if [[ -e $DIR && ! -e $MARKER && -n $(ls -A "$DIR" 2>/dev/null) ]]; then
    die "$DIR exists, is not empty and was not made by this script: refusing to use it"
  fi
}

# Serialises start, stop and restart: parallel test runs may all call start at
# once. Fd 9 must never reach a daemon, or the lock would outlive this script.
lock_state_dir() {
  refuse_foreign_state_dir
  mkdir -p "$DIR"
  : >>"$MARKER"
  exec 9>"$LOCK_FILE"
  flock -w 60 9 || die "another smtp-test-server.sh has held $LOCK_FILE for 60 s"
}

unlock_state_dir() { exec 9>&-; }

# Everything but the lock and the marker goes.
reset_state_dir() {
  find "$DIR" -mindepth 1 -maxdepth 1 ! -name "${LOCK_FILE##*/}" ! -name "${MARKER##*/}" -exec rm -rf {} +
  mkdir -p "$CERTS" "$LOG_DIR"
  chmod 0755 "$DIR"
}

refuse_busy_ports() {
  find_busy_ports
  ((${#BUSY_PORTS[@]} == 0)) && return 0
  log "port(s) ${BUSY_PORTS[*]} already have a listener that is not this instance ($DIR):"
  ss -ltnpH | grep -E ":($(IFS='|'; echo "${BUSY_PORTS[*]}"))\b" \
    | sed -E 's/ +/ /g; s/users:\(\(("[^"]*",pid=[0-9]+).*/\1/' >&2 || true
  # Postfix listens with SO_REUSEPORT: a second server would silently share the ports.
  die "refusing to start; stop the other server first"
}

# True when every listener is up on every address.
all_listening() {
  local name address
  read_listeners
  for name in "${PORT_NAMES[@]}" "${SERVICE_PORT_NAMES[@]}"; do
    for address in $LISTEN_ADDRESSES; do
      [[ -n ${LISTENING[$address:${PORTS[$name]}]:-} ]] || return 1
    done
  done
  for address in $LISTEN_ADDRESSES; do
    [[ -n ${LISTENING[udp/$address:${PORTS[dns]}]:-} ]] || return 1
    [[ -n ${LISTENING[udp/$address:${PORTS[resolver]}]:-} ]] || return 1
  done
  [[ -n ${LISTENING[127.0.0.2:${PORTS[relay]}]:-} ]]
}

wait_until_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until [[ -S $AUTH_SOCKET ]] && instance_running && all_listening; do
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
}

fail_start() {
  log "$1; last log lines:"
  local file
  for file in "$LOG_DIR"/postfix-start.log "$LOG_DIR"/postfix.log "$LOG_DIR"/dovecot.log \
    "$LOG_DIR"/knot.log "$LOG_DIR"/knot-start.log "$LOG_DIR"/nginx-error.log "$LOG_DIR"/unbound.log \
    "$LOG_DIR"/unbound-start.log; do
    [[ -s $file ]] && { printf '==> %s <==\n' "$file"; tail -n 20 "$file"; } >&2
  done
  stop_instance >/dev/null 2>&1 || true
  rm -f "$STATE_FILE"
  exit 1
}

cmd_start() {
  require_tools
  lock_state_dir
  if instance_running && [[ -f $STATE_FILE ]]; then
    log "already running ($DIR)"
    show_state
    return 0
  fi
  stop_instance >/dev/null 2>&1 || true # leftovers of a half-dead instance
  refuse_busy_ports
  reset_state_dir

  MAIL_UID=$(id -u nobody) MAIL_GID=$(id -g nobody) WWW_USER="$(id -un nobody) $(id -gn nobody)"
  INSTANCE=smtptools-$(printf '%s' "$DIR" | cksum | cut -d' ' -f1)
  new_password
  if ipv6_loopback_available; then
    IPV6=true INET_INTERFACES='127.0.0.1, [::1]' INET_PROTOCOLS='ipv4, ipv6'
    LOOPBACK_NETWORKS='127.0.0.0/8 [::1]/128' LISTEN_ADDRESSES='127.0.0.1 [::1]'
  else
    IPV6=false INET_INTERFACES=127.0.0.1 INET_PROTOCOLS=ipv4
    LOOPBACK_NETWORKS=127.0.0.0/8 LISTEN_ADDRESSES=127.0.0.1
  fi

  make_certificates
  write_configuration

  # No daemon may keep our stdout/stderr: callers read them to EOF.
  /usr/sbin/dovecot -c "$DOVECOT_CONF" </dev/null >>"$LOG_DIR/dovecot.log" 2>&1 9>&- \
    || fail_start "dovecot did not start"
  /usr/sbin/postfix -c "$POSTFIX_CONF" start </dev/null >>"$LOG_DIR/postfix-start.log" 2>&1 9>&- \
    || fail_start "postfix did not start"
  /usr/sbin/knotd -c "$KNOT_CONF" -d </dev/null >>"$LOG_DIR/knot-start.log" 2>&1 9>&- \
    || fail_start "knotd did not start"
  /usr/sbin/nginx -c "$NGINX_CONF" -p "$DIR/nginx" -e "$LOG_DIR/nginx-error.log" </dev/null \
    >>"$LOG_DIR/nginx-start.log" 2>&1 9>&- || fail_start "nginx did not start"
  write_trust_anchors || fail_start "knotd did not sign $SECURE_ZONE within ${READY_TIMEOUT_SECONDS}s"
  /usr/sbin/unbound -c "$UNBOUND_CONF" </dev/null >>"$LOG_DIR/unbound-start.log" 2>&1 9>&- \
    || fail_start "unbound did not start"
  wait_until_ready || fail_start "not ready after ${READY_TIMEOUT_SECONDS}s"

  write_state_file
  log "running ($DIR)"
  show_state
}

cmd_stop() {
  [[ -e $MARKER ]] || return 0 # nothing of ours there
  lock_state_dir
  stop_instance
}

cmd_status() {
  [[ -f $STATE_FILE ]] && show_state
  if instance_running; then
    local postfix knot nginx unbound
    postfix_alive && postfix=$REPLY
    knot_alive && knot=$REPLY
    nginx_alive && nginx=$REPLY
    unbound_alive && unbound=$REPLY
    echo "running (postfix master $postfix, knotd $knot, nginx $nginx, unbound $unbound; $DIR)"
  else
    echo "not running ($DIR)"
    return 3
  fi
}

cmd_restart() {
  cmd_stop
  cmd_start
}

cmd_run() {
  cmd_start
  unlock_state_dir
  trap 'stop_instance; exit 0' TERM INT
  while instance_running; do sleep 1 & wait $! || true; done
  die "the server stopped unexpectedly"
}

main() {
  case ${1:-} in
    install) cmd_install ;;
    install-peers) cmd_install_peers ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart) cmd_restart ;;
    run) cmd_run ;;
    *)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
      exit 2
      ;;
  esac
}

main "$@"
