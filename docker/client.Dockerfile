# An on-premises host: a shell, dig and curl. At start it routes the VPC's range over the
# "Direct Connect" link (the emulator's on-premises address) and trusts the emulator's CA.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends dnsutils curl ca-certificates iproute2 \
 && rm -rf /var/lib/apt/lists/*
COPY client-entrypoint.sh /usr/local/bin/client-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/client-entrypoint.sh"]
CMD ["sleep", "infinity"]
