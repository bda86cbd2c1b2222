package daemon_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"example.com/icpdesk/daemon"
	"example.com/icpdesk/demo"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// holdingHandler holds each request open until Drain, as the events
// feed's long poll does.
type holdingHandler struct{ drained chan struct{} }

func (h *holdingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-h.drained:
		io.WriteString(w, "drained")
	case <-time.After(time.Minute):
		io.WriteString(w, "timed out")
	}
}

func (h *holdingHandler) Drain() { close(h.drained) }

// TestRouteOnItsOwnListener: a route with a Listen address is served there
// and not on the main listener, and shutdown drains a held request at once.
func TestRouteOnItsOwnListener(t *testing.T) {
	dbURL := storetest.URL(t, store.SQLite)
	mail, err := demo.NewMailServer([]string{demo.DeskAddress, demo.StaffAddress}, demo.Password, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	cfg := testConfig(t, mail, dbURL)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &holdingHandler{drained: make(chan struct{})}
	d, err := daemon.New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)), daemon.Options{Listener: ln, NoInbox: true, NoScheduler: true,
		Routes: []daemon.Route{{Pattern: "/api/v1/", Handler: h, Listen: "127.0.0.1:0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	side := d.SideAddrs()
	if len(side) != 1 {
		t.Fatalf("side listeners: %v", side)
	}
	// The main listener does not serve the route.
	resp, err := http.Get("http://" + d.Addr().String() + "/api/v1/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("main listener answered the route: %d", resp.StatusCode)
	}
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + side[0].String() + "/api/v1/x")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	time.Sleep(200 * time.Millisecond) // the request is being held
	start := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if g := <-got; g != "drained" {
		t.Fatalf("held request: %q", g)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("shutdown waited %v for the held request", took)
	}
}
