module github.com/emersion/go-smtp

require github.com/emersion/go-sasl v0.0.0-20200509203442-7bfe0ed36a21

go 1.13
