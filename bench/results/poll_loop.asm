00000000000014b0 <_Z17WorkLoopStopTokenN8graceful9StopTokenElm>:
mov    %rdi,%r8
mov    %rdx,%r9
mov    %rcx,%rax
test   %rdx,%rdx
jle    1528 <_Z17WorkLoopStopTokenN8graceful9StopTokenElm+0x78>
movabs $0xff51afd7ed558ccd,%r10
xor    %esi,%esi
movabs $0xc4ceb9fe1a85ec53,%rdi
jmp    1521 <_Z17WorkLoopStopTokenN8graceful9StopTokenElm+0x71>
cs nopw 0x0(%rax,%rax,1)
mov    %rax,%rdx
add    $0x1,%rsi
shr    $0x21,%rdx
xor    %rax,%rdx
imul   %r10,%rdx
mov    %rdx,%rax
shr    $0x21,%rax
xor    %rax,%rdx
imul   %rdi,%rdx
imul   %r10,%rdx
mov    %rdx,%rax
shr    $0x21,%rax
xor    %rax,%rdx
imul   %rdi,%rdx
mov    %rdx,%rax
shr    $0x21,%rax
xor    %rdx,%rax
cmp    %rsi,%r9
je     1528 <_Z17WorkLoopStopTokenN8graceful9StopTokenElm+0x78>
mov    (%r8),%edx
test   %edx,%edx
je     14e0 <_Z17WorkLoopStopTokenN8graceful9StopTokenElm+0x30>
ret
nopl   0x0(%rax)
