package crawltest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// farmEnv, set in a process's environment, makes it a farm (see
// StartFarmProcess) instead of what it would have been.
const farmEnv = "FINARCHIVE_CRAWLTEST_FARM"

// A binary that imports crawltest (a test binary) started with farmEnv set
// runs the farm it describes and exits, before any test runs.
func init() {
	if spec := os.Getenv(farmEnv); spec != "" {
		os.Exit(serveFarmProcess(spec, os.Stdin, os.Stdout))
	}
}

// farmSpec is what a farm process serves.
type farmSpec struct {
	Hosts    int `json:"hosts"`
	Articles int `json:"articles"`
}

// farmHello is a farm process's first line.
type farmHello struct {
	Bases []string `json:"bases,omitempty"`
	Error string   `json:"error,omitempty"`
}

// ProcFarm is a Farm run by another process: the running binary started
// again as the farm. The sites then share nothing with the crawler under
// test (no scheduler, no GC pauses, no CPU quota of one process), so what
// they record is what a site would see. Start times are kernel receive
// timestamps where the platform has them (see Farm).
type ProcFarm struct {
	bases []string
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	mu    sync.Mutex
}

// StartFarmProcess starts n sites of articles articles each, as StartFarm
// does, in a child process: the running binary (a test binary importing
// this package) started again with farmEnv set. Close stops it.
func StartFarmProcess(n, articles int) (*ProcFarm, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("crawltest: farm process: %w", err)
	}
	spec, _ := json.Marshal(farmSpec{Hosts: n, Articles: articles})
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), farmEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("crawltest: farm process: %w", err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("crawltest: farm process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("crawltest: start farm process: %w", err)
	}
	f := &ProcFarm{cmd: cmd, in: in, out: bufio.NewReaderSize(outPipe, 1<<20)}
	var hello farmHello
	if err := f.readLine(&hello); err != nil {
		f.Close()
		return nil, fmt.Errorf("crawltest: farm process: %w", err)
	}
	if hello.Error != "" {
		f.Close()
		return nil, fmt.Errorf("crawltest: farm process: %s", hello.Error)
	}
	f.bases = hello.Bases
	return f, nil
}

func (f *ProcFarm) readLine(v any) error {
	line, err := f.out.ReadBytes('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal(line, v)
}

// Seeds returns each site's home page.
func (f *ProcFarm) Seeds() []string {
	out := make([]string, len(f.bases))
	for i, b := range f.bases {
		out[i] = b + "/"
	}
	return out
}

// Starts returns, per site in the order of Seeds, its requests in the
// order they started.
func (f *ProcFarm) Starts() ([][]Start, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := io.WriteString(f.in, "starts\n"); err != nil {
		return nil, fmt.Errorf("crawltest: farm process: %w", err)
	}
	var out [][]Start
	if err := f.readLine(&out); err != nil {
		return nil, fmt.Errorf("crawltest: farm process starts: %w", err)
	}
	return out, nil
}

// Close stops the farm process and waits for it. It returns the CPU time
// the process used.
func (f *ProcFarm) Close() time.Duration {
	_ = f.in.Close() // the farm exits at the end of its input
	_ = f.cmd.Wait()
	if st := f.cmd.ProcessState; st != nil {
		return st.UserTime() + st.SystemTime()
	}
	return 0
}

// serveFarmProcess is a farm process's life: it starts the farm spec
// describes, says where on out, answers each "starts" line of in with
// every site's starts, and stops at the end of in. It returns the exit
// status.
func serveFarmProcess(spec string, in io.Reader, out io.Writer) int {
	enc := json.NewEncoder(out)
	var s farmSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		_ = enc.Encode(farmHello{Error: fmt.Sprintf("bad %s: %v", farmEnv, err)})
		return 2
	}
	farm, err := StartFarm(s.Hosts, s.Articles)
	if err != nil {
		_ = enc.Encode(farmHello{Error: err.Error()})
		return 1
	}
	defer farm.Close()
	hello := farmHello{}
	for _, h := range farm.Hosts {
		hello.Bases = append(hello.Bases, h.Base)
	}
	if err := enc.Encode(hello); err != nil {
		return 1
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		switch sc.Text() {
		case "starts":
			all := make([][]Start, len(farm.Hosts))
			for i, h := range farm.Hosts {
				all[i] = h.Starts()
			}
			if err := enc.Encode(all); err != nil {
				return 1
			}
		default:
			fmt.Fprintf(os.Stderr, "crawltest farm process: unknown command %q\n", sc.Text())
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return 1
	}
	return 0
}
