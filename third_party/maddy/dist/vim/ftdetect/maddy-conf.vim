au BufNewFile,BufRead /etc/maddy/*,maddy.conf setf maddy-conf
