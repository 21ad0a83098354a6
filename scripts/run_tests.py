#!/usr/bin/python3
"""Run every test of motcua and print one closing line 'N passed, N failed'.

Stages: the C unit tests; the same unit tests built with AddressSanitizer and
UndefinedBehaviorSanitizer, and under valgrind; the HTTP integration tests against the
real binary (normal and sanitizer builds); the browser tests in headless Chromium.
Each unit-test case, valgrind run and pytest case counts as one test.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIT = ['buf', 'clock', 'lunar', 'cfg', 'router', 'routes', 'static', 'work', 'tpl', 'utf8', 'validate', 'form', 'multipart', 'cookie', 'db', 'db_memo', 'mime', 'outbox', 'sender', 'ratelimit', 'fold', 'formschema', 'catalog_io', 'filestore', 'dossier', 'dossier_flow', 'dossier_sweep', 'workcal', 'workflow']
TAP_LINE = re.compile(r'^(not ok|ok)\b(.*)$')

passed = 0
failed = 0
failures = []


def record(ok, name):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        failures.append(name)


def run(cmd, **kw):
    print('+ ' + ' '.join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, **kw)


def ensure_build(build, extra):
    if not os.path.exists(os.path.join(ROOT, build, 'build.ninja')):
        if run(['meson', 'setup', build] + extra, stdout=subprocess.DEVNULL).returncode != 0:
            return False
    return run(['ninja', '-C', build], stdout=subprocess.DEVNULL).returncode == 0


def unit_tests(build, label, wrapper=None):
    """Run each unit-test program with TAP output; count its cases."""
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT='TAP')
    for name in UNIT:
        exe = os.path.join(ROOT, build, 'test_' + name)
        cmd = (wrapper or []) + [exe]
        if wrapper:
            # valgrind: one verdict per program, on leaks and memory errors alike
            r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            ok = r.returncode == 0
            if not ok:
                sys.stdout.write(r.stdout[-4000:] + r.stderr[-8000:])
            record(ok, f'{label}: test_{name}')
            print(f'{label}: test_{name}: {"ok" if ok else "FAILED"}', flush=True)
            continue
        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        cases = 0
        for line in r.stdout.splitlines():
            m = TAP_LINE.match(line)
            if m and '# SKIP' in line:
                continue
            if m:
                cases += 1
                ok = m.group(1) == 'ok'
                record(ok, f'{label}: {name}{m.group(2)}')
                if not ok:
                    print(line)
            elif line.startswith('mustache spec:'):
                print(f'{label}: {line}')
        if r.returncode != 0 or cases == 0:
            sys.stdout.write(r.stdout[-4000:] + r.stderr[-4000:])
            if cases == 0 or not any(f.startswith(f'{label}: {name}') for f in failures):
                record(False, f'{label}: test_{name} exited with {r.returncode}')
        print(f'{label}: test_{name}: {cases} cases', flush=True)


def pytest(paths, label, env_extra):
    env = dict(os.environ, **env_extra)
    with tempfile.NamedTemporaryFile(suffix='.xml', delete=False) as f:
        xml = f.name
    r = run(['/usr/bin/python3', '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
             f'--junitxml={xml}'] + paths, env=env)
    try:
        tree = ET.parse(xml)
    except (ET.ParseError, FileNotFoundError):
        record(False, f'{label}: pytest produced no report (exit {r.returncode})')
        return
    finally:
        if os.path.exists(xml):
            os.unlink(xml)
    count = 0
    for case in tree.iter('testcase'):
        name = f"{label}: {case.get('classname')}::{case.get('name')}"
        if case.find('skipped') is not None:
            continue
        count += 1
        record(case.find('failure') is None and case.find('error') is None, name)
    if count == 0 or (r.returncode not in (0, 1)):
        record(False, f'{label}: pytest exited with {r.returncode} after {count} tests')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build')
    ap.add_argument('--asan-build', default='build-asan')
    ap.add_argument('--quick', action='store_true', help='skip sanitizers, valgrind and browser')
    args = ap.parse_args()

    if not ensure_build(args.build, []):
        record(False, 'build')
    else:
        unit_tests(args.build, 'unit')
        pytest(['tests/integration'], 'http',
               {'MOTCUA_BIN': os.path.join(ROOT, args.build, 'motcua')})
        if not args.quick:
            pytest(['tests/browser'], 'browser',
                   {'MOTCUA_BIN': os.path.join(ROOT, args.build, 'motcua')})
            unit_tests(args.build, 'valgrind',
                       ['valgrind', '--quiet', '--leak-check=full', '--show-leak-kinds=definite,indirect',
                        '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=1'])
    if not args.quick:
        if not ensure_build(args.asan_build, ['-Db_sanitize=address,undefined', '-Db_lundef=false',
                                             '-Dbuildtype=debug']):
            record(False, 'asan build')
        else:
            os.environ['ASAN_OPTIONS'] = 'detect_leaks=1:abort_on_error=0'
            os.environ['LSAN_OPTIONS'] = 'suppressions=' + os.path.join(ROOT, 'tests', 'lsan.supp')
            os.environ['UBSAN_OPTIONS'] = 'halt_on_error=1:print_stacktrace=1'
            unit_tests(args.asan_build, 'asan')
            pytest(['tests/integration'], 'http-asan',
                   {'MOTCUA_BIN': os.path.join(ROOT, args.asan_build, 'motcua')})

    if failures:
        print('\nFailed:')
        for f in failures:
            print('  ' + f)
    print(f'{passed} passed, {failed} failed')
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
