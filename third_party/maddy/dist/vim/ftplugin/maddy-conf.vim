setlocal commentstring=#\ %s

" That is convention for maddy configs. Period.
"    - fox.cpp (maddy developer)
setlocal expandtab
setlocal tabstop=4
setlocal softtabstop=4
setlocal shiftwidth=4
