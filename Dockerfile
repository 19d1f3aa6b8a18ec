# Socle: one static binary and the sample territory.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/socle ./cmd/socle

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/socle /usr/local/bin/socle
COPY fixtures /srv/socle/fixtures
WORKDIR /srv/socle
ENV SOCLE_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/socle"]
CMD ["serve"]
