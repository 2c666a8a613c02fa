# Multi-stage build of the Rapport server: a static binary (pure-Go SQLite,
# embedded time zone data) on a minimal image, run as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rapport ./server \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rapport /rapport
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV RAPPORT_ADDR=:8080 \
    DATABASE_URL=file:/data/rapport.db \
    RAPPORT_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/rapport"]
CMD ["serve"]
