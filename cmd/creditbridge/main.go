// Command creditbridge runs a CreditBridge node and its administration
// commands; see internal/app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/creditbridge/creditbridge/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, app.Env{Args: os.Args[1:], Environ: os.Environ(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
