// go-loadgen: the load generator of bench/webhooks for what wrk cannot do.
//
// Mode "rate": an open-loop, constant-rate load over keep-alive TLS connections, with latency
// measured from each request's scheduled send time (coordinated omission accounted for, as wrk2
// does). Request i is due at start + i/rate. Timers are timerfds woken through the Go netpoller
// (microseconds, where Go timers give about a millisecond here). -pacing per-connection (the
// default, as wrk2): C workers, one connection each, send every C-th request at its due time;
// -pacing shared: one timer releases due requests into a queue the workers take in order. A
// request sent late because its connection (or every connection) was busy is charged the wait.
// The send-to-answer time alone is reported too ("service").
//
// Mode "handshake": C workers each loop: TCP connect, a full TLS handshake (no session cache, so
// no resumption, as the kube-apiserver's webhook client without keep-alive), one POST with
// "Connection: close", read the answer, close. Reports handshakes (connections) per second.
//
// Every answer must be HTTP 200 with a body holding `"allowed":true` (or the -expect string);
// others are counted as errors. Prints one JSON object on stdout.
//
//	go-loadgen -mode rate -url https://127.0.0.1:9443/validate-aura-io-v1alpha1 -body review.json \
//	           -rate 10000 -c 16 -d 20s -warmup 3s
//	go-loadgen -mode handshake -url ... -body review.json -c 8 -d 10s -warmup 2s
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

type config struct {
	addr, host, path string
	body             []byte
	expect           []byte
	tls              *tls.Config
}

func request(c *config, closeConn bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, */*\r\nContent-Length: %d\r\n", c.path, c.host, len(c.body))
	if closeConn {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.Write(c.body)
	return b.Bytes()
}

var errBadAnswer = errors.New("bad answer")

// readResponse reads one HTTP/1.1 response (Content-Length or chunked) and checks it.
func readResponse(r *bufio.Reader, c *config, body *[]byte) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	ok := len(line) >= 12 && string(line[9:12]) == "200"
	length, chunked := -1, false
	for {
		h, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(h) <= 2 {
			break
		}
		// No allocation per header: only two names matter.
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("content-length")):
			length, _ = strconv.Atoi(string(value))
		case bytes.EqualFold(name, []byte("transfer-encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	*body = (*body)[:0]
	switch {
	case chunked:
		for {
			l, err := r.ReadSlice('\n')
			if err != nil {
				return err
			}
			n, err := strconv.ParseInt(strings.TrimSpace(string(l)), 16, 64)
			if err != nil {
				return err
			}
			if n == 0 {
				if _, err := r.ReadSlice('\n'); err != nil {
					return err
				}
				break
			}
			start := len(*body)
			*body = slices.Grow(*body, int(n)+2)[:start+int(n)+2]
			if _, err := io.ReadFull(r, (*body)[start:]); err != nil {
				return err
			}
			*body = (*body)[:start+int(n)]
		}
	case length >= 0:
		*body = slices.Grow(*body, length)[:length]
		if _, err := io.ReadFull(r, *body); err != nil {
			return err
		}
	default:
		return errors.New("response without length")
	}
	if !ok || !bytes.Contains(*body, c.expect) {
		return errBadAnswer
	}
	return nil
}

func dial(c *config) (*tls.Conn, error) {
	raw, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	raw.(*net.TCPConn).SetNoDelay(true)
	conn := tls.Client(raw, c.tls)
	if err := conn.Handshake(); err != nil {
		raw.Close()
		return nil, err
	}
	return conn, nil
}

type firstError struct {
	once sync.Once
	msg  string
}

func (f *firstError) set(err error, body []byte) {
	f.once.Do(func() {
		f.msg = err.Error()
		if errors.Is(err, errBadAnswer) {
			f.msg += ": " + string(body[:min(len(body), 300)])
		}
	})
}

func percentiles(xs []time.Duration) map[string]float64 {
	out := map[string]float64{}
	if len(xs) == 0 {
		return out
	}
	slices.Sort(xs)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, p := range []struct {
		name string
		q    float64
	}{{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p999", 0.999}} {
		i := int(p.q*float64(len(xs))+0.5) - 1
		out[p.name+"_ms"] = ms(xs[max(0, min(i, len(xs)-1))])
	}
	out["max_ms"] = ms(xs[len(xs)-1])
	var sum time.Duration
	for _, x := range xs {
		sum += x
	}
	out["mean_ms"] = ms(sum / time.Duration(len(xs)))
	return out
}

// A timerfd read through the Go netpoller: microsecond wake-ups where Go's own timers give
// about a millisecond here.
type ticker struct {
	fd   int
	file *os.File
	buf  []byte
}

func newTicker() *ticker {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		fmt.Fprintln(os.Stderr, "timerfd:", err)
		os.Exit(1)
	}
	return &ticker{fd: fd, file: os.NewFile(uintptr(fd), "timerfd"), buf: make([]byte, 8)}
}

// arm sets the timer: first expiry at the absolute CLOCK_MONOTONIC time `at`, then every
// `every` (0: once).
func (t *ticker) arm(at, every time.Duration) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(at)), Interval: unix.NsecToTimespec(int64(every))}
	if err := unix.TimerfdSettime(t.fd, unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
		fmt.Fprintln(os.Stderr, "timerfd_settime:", err)
		os.Exit(1)
	}
}

// wait blocks until the timer fires and returns how many expiries passed.
func (t *ticker) wait() uint64 {
	if _, err := t.file.Read(t.buf); err != nil {
		fmt.Fprintln(os.Stderr, "timerfd read:", err)
		os.Exit(1)
	}
	return binary.LittleEndian.Uint64(t.buf)
}

func monotonicNow() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		fmt.Fprintln(os.Stderr, "clock_gettime:", err)
		os.Exit(1)
	}
	return time.Duration(ts.Nano())
}

// runRate: request i (from 1) is due at start + i/rate. With pacing "shared" one timerfd
// releases due requests into a queue that C workers take from; with "per-connection" (as wrk2
// paces) worker w sends requests w+1, w+1+C, ... itself, each woken by its own timerfd at the
// request's due time: no dispatcher and no hand-off, so about half the client's wake-ups. Either
// way a request is charged from its due time, however late it is sent.
func runRate(c *config, rate float64, conns int, dur, warmup time.Duration, pacing string) map[string]any {
	interval := time.Duration(float64(time.Second) / rate)
	total := int64(float64(warmup+dur) / float64(interval))
	req := request(c, false)
	var (
		mu               sync.Mutex
		lat, service     []time.Duration
		okCount, errs    atomic.Int64
		reconnects       atomic.Int64
		first            firstError
		start            time.Time
		monoStart        time.Duration
		measuredFrom     = warmup
		lastDone         atomic.Int64
		lateMaxNs        atomic.Int64
		ready, connected sync.WaitGroup
	)
	noteLate := func(late time.Duration) {
		for {
			old := lateMaxNs.Load()
			if int64(late) <= old || lateMaxNs.CompareAndSwap(old, int64(late)) {
				return
			}
		}
	}
	due := make(chan time.Duration, total+1) // shared pacing: scheduled offsets from start
	ready.Add(1)
	connected.Add(conns)
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			conn, err := dial(c)
			connected.Done()
			ready.Wait()
			var r *bufio.Reader
			if err == nil {
				r = bufio.NewReaderSize(conn, 16<<10)
			}
			myLat := make([]time.Duration, 0, int(total)/conns+16)
			mySvc := make([]time.Duration, 0, int(total)/conns+16)
			body := make([]byte, 0, 4096)
			send := func(at time.Duration) {
				if conn == nil {
					if conn, err = dial(c); err != nil {
						errs.Add(1)
						first.set(err, nil)
						return
					}
					reconnects.Add(1)
					r = bufio.NewReaderSize(conn, 16<<10)
				}
				sent := time.Since(start)
				_, err := conn.Write(req)
				if err == nil {
					err = readResponse(r, c, &body)
				}
				done := time.Since(start)
				if err != nil {
					errs.Add(1)
					first.set(err, body)
					if !errors.Is(err, errBadAnswer) {
						conn.Close()
						conn = nil
					}
					return
				}
				if at >= measuredFrom {
					okCount.Add(1)
					myLat = append(myLat, done-at)
					mySvc = append(mySvc, done-sent)
				}
				lastDone.Store(int64(done))
			}
			if pacing == "per-connection" {
				t := newTicker()
				for i := int64(w + 1); i <= total; i += int64(conns) {
					at := time.Duration(i) * interval
					if now := time.Since(start); now < at {
						t.arm(monoStart+at, 0)
						t.wait()
					}
					noteLate(time.Since(start) - at)
					send(at)
				}
				t.file.Close()
			} else {
				for at := range due {
					send(at)
				}
			}
			if conn != nil {
				conn.Close()
			}
			mu.Lock()
			lat = append(lat, myLat...)
			service = append(service, mySvc...)
			mu.Unlock()
		}(w)
	}
	connected.Wait()

	monoStart = monotonicNow()
	start = time.Now()
	if pacing == "per-connection" {
		ready.Done()
	} else {
		t := newTicker()
		t.arm(monoStart+interval, interval)
		ready.Done()
		for i := int64(0); i < total; {
			n := t.wait()
			now := time.Since(start)
			for ; n > 0 && i < total; n-- {
				i++
				at := time.Duration(i) * interval
				noteLate(now - at)
				due <- at
			}
		}
		t.file.Close()
	}
	close(due)
	wg.Wait()
	end := time.Duration(lastDone.Load())
	measured := end - measuredFrom
	out := map[string]any{
		"mode":                 "rate",
		"pacing":               pacing,
		"target_rate":          rate,
		"connections":          conns,
		"duration_s":           dur.Seconds(),
		"warmup_s":             warmup.Seconds(),
		"scheduled":            total,
		"completed_measured":   okCount.Load(),
		"achieved_rate":        float64(okCount.Load()) / measured.Seconds(),
		"errors":               errs.Load(),
		"reconnects":           reconnects.Load(),
		"latency":              percentiles(lat),
		"service":              percentiles(service),
		"dispatch_late_max_ms": float64(lateMaxNs.Load()/1000) / 1000,
	}
	if first.msg != "" {
		out["first_error"] = first.msg
	}
	return out
}

func runHandshake(c *config, conns int, dur, warmup time.Duration) map[string]any {
	req := request(c, true)
	var (
		counted, errs atomic.Int64
		first         firstError
		resumed       atomic.Int64
		hsTimes       [][]time.Duration
	)
	hsTimes = make([][]time.Duration, conns)
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(dur)
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			body := make([]byte, 0, 4096)
			for time.Now().Before(end) {
				t0 := time.Now()
				conn, err := dial(c)
				if err != nil {
					errs.Add(1)
					first.set(err, nil)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				hs := time.Since(t0)
				if conn.ConnectionState().DidResume {
					resumed.Add(1)
				}
				_, err = conn.Write(req)
				if err == nil {
					err = readResponse(bufio.NewReaderSize(conn, 8<<10), c, &body)
				}
				conn.Close()
				now := time.Now()
				if err != nil {
					errs.Add(1)
					first.set(err, body)
					continue
				}
				if !t0.Before(measureFrom) && now.Before(end) {
					counted.Add(1)
					hsTimes[w] = append(hsTimes[w], hs)
				}
			}
		}(w)
	}
	wg.Wait()
	var all []time.Duration
	for _, h := range hsTimes {
		all = append(all, h...)
	}
	out := map[string]any{
		"mode":                  "handshake",
		"connections":           conns,
		"duration_s":            dur.Seconds(),
		"warmup_s":              warmup.Seconds(),
		"handshakes":            counted.Load(),
		"handshakes_per_s":      float64(counted.Load()) / dur.Seconds(),
		"resumed":               resumed.Load(),
		"errors":                errs.Load(),
		"connect_and_handshake": percentiles(all),
	}
	if first.msg != "" {
		out["first_error"] = first.msg
	}
	return out
}

func main() {
	mode := flag.String("mode", "rate", "rate or handshake")
	target := flag.String("url", "", "https://host:port/path")
	bodyFile := flag.String("body", "", "request body (an AdmissionReview)")
	expect := flag.String("expect", `"allowed":true`, "every answer's body must contain this")
	rate := flag.Float64("rate", 1000, "requests per second (mode rate)")
	pacing := flag.String("pacing", "per-connection", "mode rate: per-connection (each worker wakes itself at its requests' due times, as wrk2) or shared (one timer feeds a queue all workers take from)")
	conns := flag.Int("c", 16, "connections (rate) or concurrent connectors (handshake)")
	dur := flag.Duration("d", 20*time.Second, "measured duration")
	warmup := flag.Duration("warmup", 3*time.Second, "unmeasured time first")
	curves := flag.String("curves", "x25519", "key exchange groups offered: x25519, p256, go-default")
	tlsMax := flag.String("tls", "1.3", "highest TLS version offered: 1.2 or 1.3")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || u.Scheme != "https" || *bodyFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tc := &tls.Config{
		InsecureSkipVerify: true, // a self-signed bench certificate; signatures still checked in the handshake
		ClientSessionCache: nil,  // no resumption: every connection is a full handshake
		NextProtos:         []string{"http/1.1"},
		MinVersion:         tls.VersionTLS12,
		MaxVersion:         tls.VersionTLS13,
	}
	if *tlsMax == "1.2" {
		tc.MaxVersion = tls.VersionTLS12
	}
	switch *curves {
	case "x25519":
		tc.CurvePreferences = []tls.CurveID{tls.X25519}
	case "p256":
		tc.CurvePreferences = []tls.CurveID{tls.CurveP256}
	case "go-default":
	default:
		fmt.Fprintln(os.Stderr, "unknown -curves")
		os.Exit(2)
	}
	c := &config{addr: u.Host, host: u.Host, path: u.RequestURI(), body: body, expect: []byte(*expect), tls: tc}
	var out map[string]any
	switch *mode {
	case "rate":
		if *pacing != "per-connection" && *pacing != "shared" {
			fmt.Fprintln(os.Stderr, "unknown -pacing")
			os.Exit(2)
		}
		out = runRate(c, *rate, *conns, *dur, *warmup, *pacing)
	case "handshake":
		out = runHandshake(c, *conns, *dur, *warmup)
	default:
		flag.Usage()
		os.Exit(2)
	}
	out["gomaxprocs"] = runtime.GOMAXPROCS(0)
	out["curves"] = *curves
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}
