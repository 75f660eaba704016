// Package chserver starts and stops throwaway ClickHouse servers from the
// machine's own binary: Debian's clickhouse-server (18.16) or a current
// single-binary `clickhouse server`. Tests use one server per package; the
// demo uses one when no DSN is configured.
//
// Every server is started with the query log on, so a test run can collect
// the statements it executed (QueryLog) and replay them on another engine.
package chserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// ErrNoBinary says no ClickHouse server binary is installed.
var ErrNoBinary = errors.New("chserver: no clickhouse server binary found (install it: apt-get install -y clickhouse-server clickhouse-client, or run `make deps`)")

// Options configure a server. The zero value is usable.
type Options struct {
	// Dir holds the data, logs and config. Empty: a new temporary directory
	// that Stop removes.
	Dir string
	// Port is the native-protocol port; 0 picks a free loopback port.
	Port int
	// StartTimeout bounds the wait for the first answer (default 60s).
	StartTimeout time.Duration
	// Stderr receives the server's own console output (default: discarded).
	Stderr *os.File
	// Users is XML added inside users.xml's <users> element: more users,
	// such as a read-only one limited to some databases.
	Users string
	// Extra is XML added inside the server's <yandex> configuration
	// (remote_servers, macros, zookeeper: see internal/chcluster).
	Extra string
	// Profile is XML added to the default user's settings profile.
	Profile string
}

// Server is a running ClickHouse server.
type Server struct {
	Addr string // host:port of the native protocol
	Dir  string
	cmd  *exec.Cmd
	tmp  bool
	done chan error
}

// Binary returns the command that starts a server: clickhouse-server, or
// the single binary with its `server` argument.
func Binary() ([]string, error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return []string{p}, nil
	}
	for _, name := range []string{"clickhouse", "/usr/bin/clickhouse", "/usr/local/bin/clickhouse"} {
		if p, err := exec.LookPath(name); err == nil {
			return []string{p, "server"}, nil
		}
	}
	return nil, ErrNoBinary
}

// Start launches a server and waits until it answers a query.
func Start(ctx context.Context, opt Options) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: opt.Dir, done: make(chan error, 1)}
	if s.Dir == "" {
		if s.Dir, err = os.MkdirTemp("", "servicecard-ch-"); err != nil {
			return nil, fmt.Errorf("chserver: data dir: %w", err)
		}
		s.tmp = true
	}
	if s.Dir, err = filepath.Abs(s.Dir); err != nil {
		return nil, err
	}
	ports := make([]int, 0, 3)
	if opt.Port != 0 {
		ports = append(ports, opt.Port)
	}
	for len(ports) < 3 {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports = append(ports, p)
	}
	if err := writeConfig(s.Dir, ports[0], ports[1], ports[2], opt.Users, opt.Extra, opt.Profile); err != nil {
		return nil, err
	}
	s.Addr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	args := append(bin[1:], "--config-file="+filepath.Join(s.Dir, "config.xml"))
	s.cmd = exec.Command(bin[0], args...)
	s.cmd.Dir = s.Dir
	s.cmd.Stdout = opt.Stderr
	s.cmd.Stderr = opt.Stderr
	// Own process group, and die with the parent (Linux): a killed test
	// binary must not leave servers behind.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("chserver: start %s: %w", bin[0], err)
	}
	go func() { s.done <- s.cmd.Wait() }()

	timeout := opt.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if err := s.waitReady(ctx, timeout); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("chserver: server exited before answering (%v); see %s", err, filepath.Join(s.Dir, "log", "clickhouse-server.err.log"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr}, DialTimeout: time.Second})
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close()
			if err == nil {
				return nil
			}
		}
		last = err
	}
	return fmt.Errorf("chserver: no answer on %s within %s: %v", s.Addr, timeout, last)
}

// DSN returns a clickhouse:// DSN for database db on this server.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("clickhouse://default:@%s/%s", s.Addr, db)
}

// Stop terminates the server and removes a temporary data dir.
func (s *Server) Stop() error {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	// A throwaway server's data is deleted anyway: do not wait out the
	// server's own shutdown grace period (about 15 s on 18.16).
	grace := 15 * time.Second
	if s.tmp {
		grace = time.Second
	}
	var err error
	select {
	case err = <-s.done:
		s.done <- err
	case <-time.After(grace):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		err = <-s.done
		s.done <- err
	}
	if s.tmp {
		os.RemoveAll(s.Dir)
	}
	return nil
}

// Kill stops the server at once (SIGKILL), keeping its data dir: tests use
// it to simulate an outage and Restart to end it.
func (s *Server) Kill() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	err := <-s.done
	s.done <- err
}

// Restart starts a killed or stopped server again on the same port and data.
func (s *Server) Restart(ctx context.Context) error {
	bin, err := Binary()
	if err != nil {
		return err
	}
	args := append(bin[1:], "--config-file="+filepath.Join(s.Dir, "config.xml"))
	s.cmd = exec.Command(bin[0], args...)
	s.cmd.Dir = s.Dir
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("chserver: restart: %w", err)
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	return s.waitReady(ctx, 60*time.Second)
}

// Answers reports whether a ClickHouse server answers on addr.
func Answers(ctx context.Context, addr string) bool {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: time.Second})
	if err != nil {
		return false
	}
	defer conn.Close()
	return conn.Ping(ctx) == nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("chserver: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var configTmpl = template.Must(template.New("config").Parse(`<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>{{.Dir}}/log/clickhouse-server.log</log>
        <errorlog>{{.Dir}}/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>{{.TCP}}</tcp_port>
    <http_port>{{.HTTP}}</http_port>
    <interserver_http_port>{{.Inter}}</interserver_http_port>
    <path>{{.Dir}}/data/</path>
    <tmp_path>{{.Dir}}/tmp/</tmp_path>
    <user_files_path>{{.Dir}}/user_files/</user_files_path>
    <format_schema_path>{{.Dir}}/format_schemas/</format_schema_path>
    <users_config>{{.Dir}}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>200</max_concurrent_queries>
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
{{.Extra}}
</yandex>
`))

const usersXML = `<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <log_queries>1</log_queries>
            %s
        </default>
        <readonly>
            <readonly>1</readonly>
            <log_queries>1</log_queries>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

func writeConfig(dir string, tcp, http, inter int, users, extra, profile string) error {
	for _, sub := range []string{"log", "data", "tmp", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("chserver: %w", err)
		}
	}
	var b strings.Builder
	if err := configTmpl.Execute(&b, map[string]any{"Dir": dir, "TCP": tcp, "HTTP": http, "Inter": inter, "Extra": extra}); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("chserver: write config: %w", err)
	}
	ux := strings.Replace(fmt.Sprintf(usersXML, profile), "    </users>", users+"\n    </users>", 1)
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(ux), 0o644); err != nil {
		return fmt.Errorf("chserver: write users: %w", err)
	}
	return nil
}

// FreePort returns a loopback TCP port free at the time of the call.
func FreePort() (int, error) { return freePort() }
