# Thin wrapper over meson/ninja: the commands a user types.
#   make demo    two namespaces, two pwires, ping + 10 MB through a pseudowire
#   make check   install what is needed, build, run every test
#   make bench   side-by-side benchmark (not a test)
#   make fuzz    libFuzzer targets, FUZZ_SECONDS each
BUILD ?= build
FUZZ_SECONDS ?= 60
PEERS ?= $(abspath ../shared/peers)

.PHONY: all deps build check demo bench fuzz clean

all: build

deps:
	@tests/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true -Dpeers=$(PEERS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

check: build
	@tests/run-all.sh $(BUILD)

demo: build
	@tests/demo.sh $(BUILD)/pwire

bench: build
	@bench/run.sh $(BUILD)/pwire

fuzz: deps
	@fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-fuzz build-asan
