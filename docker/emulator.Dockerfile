# The emulator as a container: a statically linked binary in an empty image (no registry needed).
# Build the binary first (docker/build-images does):
#   RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --target x86_64-unknown-linux-gnu -p apigw-emulator
FROM scratch
COPY target/x86_64-unknown-linux-gnu/release/apigw-emulator /apigw-emulator
COPY docker/scenario.json /scenario.json
ENTRYPOINT ["/apigw-emulator"]
CMD ["up", "--config", "/scenario.json", "--certs-dir", "/certs", "--ready-file", "/certs/ready.json"]
