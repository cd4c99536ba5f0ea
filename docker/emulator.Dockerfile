# The emulator as a container: a statically linked binary in an empty image (no registry needed).
# docker/build-images builds the binary and puts it in docker/.build/:
#   RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --target x86_64-unknown-linux-gnu -p apigw-emulator-cli
FROM scratch
COPY docker/.build/apigw-emulator /apigw-emulator
COPY docker/scenario.json /scenario.json
ENTRYPOINT ["/apigw-emulator"]
CMD ["up", "--config", "/scenario.json", "--certs-dir", "/certs", "--ready-file", "/public/ready.json", "--allow-non-loopback"]
