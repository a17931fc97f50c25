package catchup

import (
	"errors"
	"fmt"
	"time"
)

// ParseMode is the sync command's mode from its flags: --follow, or --until
// caught-up (the only condition known), or neither (Once); every, how often
// to look for changes when there are none, must be between 10ms and 1h.
func ParseMode(follow bool, until string, every time.Duration) (Mode, error) {
	mode := Once
	switch {
	case until == "caught-up" && follow:
		return 0, errors.New("--follow and --until caught-up exclude each other")
	case until == "caught-up":
		mode = UntilCaughtUp
	case until != "":
		return 0, fmt.Errorf("--until %q: only caught-up is known", until)
	case follow:
		mode = Follow
	}
	if every < 10*time.Millisecond || every > time.Hour {
		return 0, errors.New("--every must be between 10ms and 1h")
	}
	return mode, nil
}
