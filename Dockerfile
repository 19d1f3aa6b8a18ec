# Socle: one static binary and the sample territory.
FROM node:20-bookworm AS web
WORKDIR /src
COPY web web
COPY internal/server/assets internal/server/assets
RUN sh web/build.sh

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/internal/server/assets/vendor internal/server/assets/vendor
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/socle ./cmd/socle

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/socle /usr/local/bin/socle
COPY fixtures /srv/socle/fixtures
WORKDIR /srv/socle
ENV SOCLE_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/socle"]
CMD ["serve"]
